"""The Make custom app in the local-development layout of Make's VS Code extension, generated from the catalog."""
