"""autodata: experiments."""
