"""AWS for one client per stage: the CloudFormation merged into Chalice's package, and the package and deploy commands."""
