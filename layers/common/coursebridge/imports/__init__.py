"""CSV user import (SPEC §6): decode → parse → validate → plan → apply (batched) → report.

``run.process_message`` is the entry point the Lambda handler calls.
"""
