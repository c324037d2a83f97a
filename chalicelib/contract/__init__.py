"""The contract: the limits, the trigger and action definitions, their registry and catalog, and the shapes derived from them."""
