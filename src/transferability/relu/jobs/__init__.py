"""Job kernels of the ReLU study: one module per job kind, each with ``compute(spec, inputs, log)``."""
