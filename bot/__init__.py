"""microlearn: just-in-time micro-lessons and spaced quizzes in chat."""

__version__ = "0.1.0"
