"""planner: the annual contact-and-service plan of a district organization department (组织部).

Data flows one way: read → validate → Problem → assign → calendar → check → export.
"""

__version__ = "0.1.0"
