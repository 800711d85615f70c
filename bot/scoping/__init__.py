"""Scoping helpers behind `/scope`: reading a brief, phases, risks, questions, chart, wording.

Pure functions over past projects and numbers; the skill (``bot/skills/scope.py``) does the I/O.
"""
