"""Storage: one repository module per concern; DynamoDB item shapes never leave this package.

``Dynamo`` (the calls every repository makes, over one set of AWS clients) is what the
services hand each repository; the rest of ``_dynamo`` stays inside.
"""

from chalicelib.store._dynamo import Dynamo

__all__ = ["Dynamo"]
