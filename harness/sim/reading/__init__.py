"""Reading machinery of the offline world's writer roles: text -> tokens -> senses -> concepts."""
