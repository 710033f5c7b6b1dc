"""autodata: objectives."""
