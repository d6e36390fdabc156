"""coursebridge: LTI 1.3 launch, CSV roster import and grade release on AWS Lambda."""

__version__ = "0.1.0"
