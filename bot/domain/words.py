"""Stopwords: words that say nothing about what a message asks for, in one home.

Two readers use them, and they need different lists, so there are two named lists here:

* `FUNCTION_WORDS` (the intent model, bot/understanding/model.py): function words only.
  The model learns from whole messages, and words such as "hi", "thanks", "yes", "help",
  "tell" or "want" are evidence there ("hi" is chit-chat, "yes" answers a question, "I
  want a refund" is a request), so they must stay visible to it.  Keeping the union for
  the model lowered its held-out accuracy, so the lists are not merged.
* `SEARCH_STOPWORDS` (policy search, bot/services/knowledge.py): the function words
  plus greetings, fillers, question words and everyday verbs, which name no policy
  topic; a question made only of these has nothing to look for ("because", "ok so").
  It leaves out "ought", "until" and "when": "until when", "when will it arrive" ask
  about time, which policy sections answer.
"""

from __future__ import annotations

_FUNCTION_WORDS_TEXT = """
    a about above actually after again against all also although am an and any anyway
    are as at be because been before being below between both but by can could did do
    does doing down during each else even ever few for from further had has have having
    he her here hers herself him himself his how however i if in into is it its itself
    just let like maybe me more most much must my myself no nor not now of off on once
    only or other our ours ourselves out over own perhaps really same she should since
    so some still such than that the their theirs them themselves then there these they
    this those though through thus to too under unless up upon us very was we well were
    what whatever whenever where whereas wherever whether which while who whom whose
    why will with within without would yet you your yours yourself yourselves
    ought until when
"""

_SEARCH_EXTRA_TEXT = """
    able across afterwards almost along already alright always among another anybody
    anyhow anyone anything anyways anywhere arent around ask asked asking basically
    became become beforehand beside besides beyond bit came cannot cant cheers come
    comes cool dear didnt doesnt done dont either elsewhere enough etc every everyone
    everything everywhere except fine get gets getting go goes going gone gonna good
    got gotta gotten great guy guys haha hello help hence hey hi hiya hmm hope id ie
    ill im indeed instead isnt ive k kind knew know least less lets lol look looking
    lot lots madam made make makes many mean means meant meanwhile might mine moreover
    mostly namely need needed needs neither never nevertheless nobody none nope nothing
    nowhere often ok okay one ones onto others otherwise per please pls plz possible
    possibly probably question questions quite rather said say says see seen sir
    somehow someone something sometime sometimes somewhat somewhere sort stuff sure
    take takes tell thank thanks thence thereafter thereby therefore therein thing
    things think thought throughout thru thx together took toward towards ty u uh um
    unlike ur via wanna want wanted wanting wants wasnt way went whence whereby whither
    whoever whole wonder wondered wondering wont yeah yep yes yo youll youve
"""

FUNCTION_WORDS = frozenset(_FUNCTION_WORDS_TEXT.split())
SEARCH_STOPWORDS = (FUNCTION_WORDS - {"ought", "until", "when"}) | frozenset(
    _SEARCH_EXTRA_TEXT.split()
)
