"""Outputs (输出): batch runs with a rejects file, summary reports, and the rule catalogue."""
