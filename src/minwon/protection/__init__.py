"""Staff protection from 특이·악성민원 (incidents, the drill ladder, contact lengths, closing
and suspending) and role-play practice (scenario library, sessions, rubric scores)."""
