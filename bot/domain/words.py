"""Stopwords: words that say nothing about what a message asks for, in one home.

Two readers use them, and they need different lists, so there are two named lists here
(each in English and Spanish, the Spanish written folded: no accents):

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

# Spanish, written without accents: both readers fold accents first ("qué" is "que").
# "si" (if / yes) and "no" are left out of the model's list, as "yes" is in English:
# they answer a question.
_SPANISH_FUNCTION_WORDS_TEXT = """
    a al algo algun alguna algunas alguno algunos ante antes aqui asi aun aunque cada
    como con contra cual cuales cualquier cuando cuanto de del desde donde dos el ella
    ellas ellos en entre era eran es esa esas ese eso esos esta estaba estan estar este
    esto estos estoy fue fueron ha han has hasta hay he la las le les lo los me mi mia
    mis mucho muy nada ni nos nosotros nuestra nuestro o os otra otro para pero poco por
    porque pues que quien se sea ser sera sin sobre son su sus suya suyo tal tambien
    tan te tengo ti tiene toda todas todo todos tu tus un una unas uno unos usted
    ustedes vosotros y ya yo
"""

_SPANISH_SEARCH_EXTRA_TEXT = """
    ahi alguien ayuda ayudar buenas buenos dia dias dime disculpa favor gracias hola
    oye perdon porfa pregunta quiero quisiera queria saber saludos sabe sabes tardes
    noches vale ok okay puedo puede pueden podria podrian hacer hago hace necesito
    tienen tienes tener tenia hola xfa plis pls bueno mas menos estoy ustedes
"""

FUNCTION_WORDS = frozenset(_FUNCTION_WORDS_TEXT.split()) | frozenset(
    _SPANISH_FUNCTION_WORDS_TEXT.split()
)
_ENGLISH_FUNCTION_WORDS = frozenset(_FUNCTION_WORDS_TEXT.split())
SEARCH_STOPWORDS = (_ENGLISH_FUNCTION_WORDS - {"ought", "until", "when"}) | frozenset(
    _SEARCH_EXTRA_TEXT.split()
)
# The Spanish search list: "cuando" and "hasta" stay, as "when" and "until" do in
# English ("hasta cuando puedo devolver" asks about time), and "otro"/"otra" ("me
# mandaron otra talla" is a wrong item); "si" and "no" go.
_SPANISH_SEARCH_KEPT = {"cuando", "hasta", "cuanto", "otra", "otro"}
SPANISH_SEARCH_STOPWORDS = (
    frozenset(_SPANISH_FUNCTION_WORDS_TEXT.split()) - _SPANISH_SEARCH_KEPT
) | frozenset([*_SPANISH_SEARCH_EXTRA_TEXT.split(), "si", "no"])

# Words that tell the language of a message (bot/domain/languages.py): frequent in one
# language, rare or absent in the other ("a", "no", "me" are in both and count for none).
SPANISH_MARKERS = frozenset(
    [
        "el",
        "la",
        "los",
        "las",
        "del",
        "al",
        "de",
        "que",
        "mi",
        "mis",
        "por",
        "para",
        "con",
        "pero",
        "esta",
        "estan",
        "donde",
        "cuando",
        "como",
        "quiero",
        "puedo",
        "pedido",
        "paquete",
        "compra",
        "gracias",
        "hola",
        "llega",
        "llego",
        "devolver",
        "cancelar",
        "reembolso",
        "dinero",
        "envio",
        "factura",
        "porfa",
        "favor",
        "tienen",
        "hay",
        "es",
        "un",
        "una",
        "ya",
        "todavia",
        "aun",
        "cuanto",
        "tarda",
        "nunca",
        "vale",
        "necesito",
        "ayuda",
        "persona",
        "hablar",
        "direccion",
        "talla",
        "garantia",
        "pago",
        "cobraron",
        "orden",
        "se",
        "lo",
        "le",
        "su",
        "sus",
        "y",
        "o",
        "muy",
    ]
)
ENGLISH_MARKERS = frozenset(
    [
        "the",
        "my",
        "is",
        "are",
        "was",
        "where",
        "when",
        "how",
        "what",
        "can",
        "could",
        "would",
        "will",
        "do",
        "does",
        "did",
        "you",
        "your",
        "it",
        "its",
        "and",
        "or",
        "to",
        "of",
        "for",
        "with",
        "this",
        "that",
        "have",
        "has",
        "i",
        "im",
        "order",
        "package",
        "parcel",
        "refund",
        "return",
        "cancel",
        "please",
        "thanks",
        "hi",
        "hello",
        "want",
        "need",
        "money",
        "delivery",
        "shipping",
        "arrived",
        "help",
        "person",
        "talk",
        "yet",
        "still",
    ]
)
