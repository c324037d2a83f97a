"""The listing material every app carries, from one source: ``publisher.json`` (who publishes, the short and long
description) and ``logo.svg`` beside this file."""
