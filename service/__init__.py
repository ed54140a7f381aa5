"""qinglang-guard HTTP service (FastAPI), a thin layer over :mod:`plugin`."""
