"""Proposal operators, each a small strategy behind one protocol (``base.Operator``)."""
