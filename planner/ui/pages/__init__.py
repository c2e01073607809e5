"""One module per workflow step; each exposes `render(ws)`."""
