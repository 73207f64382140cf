"""The two-layer ReLU student-teacher study (Section 4 of the paper)."""
