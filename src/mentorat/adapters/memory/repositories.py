"""The memory adapters of the `Users`, `Mentorings`, `Messages` and `Goals` ports.

Each lives in a module of its own (`users`, `mentorings`, `messages`, `goals`); they are
re-exported here for the code that imports them from this module.
"""

from mentorat.adapters.memory.goals import InMemoryGoals
from mentorat.adapters.memory.mentorings import InMemoryMentorings
from mentorat.adapters.memory.messages import InMemoryMessages
from mentorat.adapters.memory.users import InMemoryUsers

__all__ = ["InMemoryGoals", "InMemoryMentorings", "InMemoryMessages", "InMemoryUsers"]
