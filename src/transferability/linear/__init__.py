"""The deep linear network study (Sections 2-3 and Appendix C of the paper)."""
