"""Who said it, on mono audio: staff or customer, from the words and the order of turns.

A text model gives p(staff) per utterance (staff say 您好请问 / 请稍等 / 请您签字 / 非常抱歉给您带来不便);
a two-state Viterbi pass over the conversation then prefers a speaker change between turns only as
much as real conversations do, so one odd sentence does not flip a run of the same speaker's turns.
Roles that are known (a stereo channel, a mic-array side) are kept as given.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

ROLES = ("staff", "customer")
# p(the next utterance is the other speaker's). Written conversations change speaker at 98% of turns;
# the recogniser cuts a long turn into sentences, so on transcripts the same speaker goes on more often.
SWITCH = 0.75
KNOWN = {"staff", "customer"}


def infer_roles(
    given: Sequence[str], p_staff: Sequence[float], switch: float = SWITCH, first_staff: float = 0.6
) -> list[str]:
    """Fill every role that is not staff/customer; `switch` is p(the next turn has the other speaker)."""
    if not given:
        return []
    eps = 1e-6

    def emit(i: int, state: int) -> float:
        if given[i] in KNOWN:
            return 0.0 if ROLES[state] == given[i] else math.log(eps)
        p = min(max(p_staff[i], eps), 1 - eps)
        return math.log(p if state == 0 else 1 - p)

    stay, change = math.log(1 - switch), math.log(switch)
    score = [math.log(first_staff) + emit(0, 0), math.log(1 - first_staff) + emit(0, 1)]
    back: list[tuple[int, int]] = []
    for i in range(1, len(given)):
        options = [(score[0] + stay, score[1] + change), (score[0] + change, score[1] + stay)]
        choice = (0 if options[0][0] >= options[0][1] else 1, 0 if options[1][0] >= options[1][1] else 1)
        back.append(choice)
        score = [max(options[0]) + emit(i, 0), max(options[1]) + emit(i, 1)]
    state = 0 if score[0] >= score[1] else 1
    path = [state]
    for choice in reversed(back):
        state = choice[state]
        path.append(state)
    path.reverse()
    return [g if g in KNOWN else ROLES[s] for g, s in zip(given, path, strict=True)]
