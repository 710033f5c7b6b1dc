"""autodata: search."""
