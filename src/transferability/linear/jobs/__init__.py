"""Job kernels of the linear study: one module per job kind, each with ``compute(spec, inputs, log)``."""
