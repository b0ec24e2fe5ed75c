# checkov loads only folders with an __init__.py.
