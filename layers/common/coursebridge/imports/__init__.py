"""CSV user import: upload ticket → decode → parse → validate → plan → apply (batched) → report.

``run.process_message`` is the entry point the Lambda handler calls.
"""
