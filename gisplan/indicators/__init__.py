"""The plan's spatial indicators: one module per theme; functions take and return data."""
