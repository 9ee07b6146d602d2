"""sequences: sequences, steps, enrollments, the scheduler, sending windows and limits."""
