"""The HTTP adapter: a thin Litestar application that speaks the wire contract."""
