"""Policy search in Spanish: the same steps as the English tokenizer in
bot/services/knowledge.py (phrases joined, stopwords dropped, stemmed, synonyms mapped
to one word, facts marked with what they are), with Spanish words and Snowball's
Spanish stemmer.

Accents are folded first ("envío", "envio" and "ENVÍO" are one word): buyers leave them
out, shops write them. The stemmer is given folded words too, so "devolución" and
"devoluciones" meet at "devolu".  Buyers' words for the shop's terms ("plata" for
money, "paquetería" for carrier, "regresar" for return) are the Spanish of Spain and
Latin America, plus the English words buyers mix in ("tracking", "refund").
"""

from __future__ import annotations

import functools
import re
import threading
from typing import TYPE_CHECKING

import snowballstemmer

from bot.domain.language_detect import fold
from bot.domain.words import SPANISH_SEARCH_STOPWORDS

if TYPE_CHECKING:
    from bot.services.retrieval.spelling import Speller

_WORD = re.compile(r"[a-z0-9]+")

# Phrases buyers use for one idea, turned into one word before the words are split.
PHRASES: tuple[tuple[str, str], ...] = (
    (
        r"(mi |el |la )?dinero de vuelta|devolver(me)? (el|mi) dinero|devuelven (el|mi) dinero"
        r"|me (lo )?devuelven|reembolsad[oa]s?|refund",
        "reembolso",
    ),
    (r"tarjetas? (de )?regalo|gift ?cards?|cheques? regalo", "tarjetaregalo"),
    (r"codigos? (de )?descuento|codigos? promocional(es)?|cupon(es)?", "descuento"),
    (r"contra ?reembolso|contraentrega|pago (al|en la) entrega", "contrareembolso"),
    (
        r"a plazos|en cuotas|a meses|(meses |pagos )?sin intereses|pagar en \w+ (veces|plazos)",
        "plazos",
    ),
    (
        r"donde (esta|estan|anda|va) (mi|el|mis|los) (pedido|paquete|envio|orden|compra)s?"
        r"|por donde va|numero de seguimiento|codigo de seguimiento|tracking",
        "seguimiento",
    ),
    (
        r"no (me )?(ha |han )?(llegado|llego|llega)|nunca (llego|me llego)|no (lo )?recibi",
        "perdido",
    ),
    (r"no funciona|dejo de funcionar|ya no (enciende|carga|funciona|prende)", "defectuoso"),
    (
        r"cuanto (cuesta|cuestan|sale|vale|cobran|es el)|que precio|cuanto me cobran"
        r"|quien paga|(hay|tengo) que pagar",
        "coste",
    ),
    (
        r"cuanto (tarda|tardan|demora|demoran|tiempo)|en cuantos dias|cuantos dias"
        r"|que tan rapido|hasta cuando|plazo de entrega",
        "tiempo",
    ),
    (
        r"(a )?que paises|(a )?donde (envian|enviais|mandan|llegan)|(envian|enviais|mandan|hacen"
        r" envios) (a|al) (extranjero|otros paises)",
        "internacional",
    ),
    (
        r"(me )?(cobraron|cobrado|cobran) (dos veces|doble)|cobros? (doble|duplicado)s?"
        r"|cargos? (doble|duplicado)s?",
        "cobroduplicado",
    ),
    (
        r"no estaba en casa|no (me )?encontr(o|aron)|aviso de (entrega|paso)|entrega fallida",
        "entregafallida",
    ),
    (
        r"(dar(me)? de )?baja (del|de la|de los) (boletin|newsletter|correos)|darme de baja"
        r"|no (quiero )?recibir mas (correos|publicidad)",
        "boletin",
    ),
    (r"tienda fisica|local fisico|en persona", "tiendafisica"),
    (r"persona real|ser humano|un humano|atencion al cliente", "persona"),
    (r"guia de tallas|tabla de (tallas|medidas)|que talla", "talla"),
    (r"dias (laborables|habiles)", "diahabil"),
    (r"(al|el) dia siguiente|en 24 ?h(oras)?|urgente|express", "urgente"),
)
_PHRASE = re.compile(
    r"\b(?:" + "|".join(f"(?P<p{i}>{pattern})" for i, (pattern, _) in enumerate(PHRASES)) + r")\b"
)
_PHRASE_WORDS = {f"p{i}": word for i, (_, word) in enumerate(PHRASES)}

# Everyday words for the terms policies use: each group counts as its first word (after
# stemming, questions and policies alike). Written folded (no accents).
SYNONYM_GROUPS: tuple[tuple[str, ...], ...] = (
    ("reembolso", "reembolsar", "reembolsan", "devolucion del dinero", "plata", "dinero", "abono"),
    ("devolucion", "devolver", "devuelvo", "regresar", "regreso", "retornar", "return"),
    ("paquete", "caja", "bulto", "paquetes"),
    ("articulo", "producto", "item", "articulos", "productos"),
    ("seguimiento", "rastrear", "rastreo", "localizar", "tracking", "rastreado"),
    (
        "entrega",
        "entregar",
        "entregan",
        "llegar",
        "llega",
        "enviar",
        "envian",
        "mandar",
        "mandan",
        "despachar",
        "shipping",
        "delivery",
    ),
    (
        "transportista",
        "paqueteria",
        "mensajero",
        "repartidor",
        "mensajeria",
        "courier",
        "correos",
        "seur",
        "dhl",
    ),
    (
        "danado",
        "roto",
        "rota",
        "rotos",
        "romper",
        "rompio",
        "golpeado",
        "aplastado",
        "rayado",
        "manchado",
        "estropeado",
        "danada",
        "quebrado",
    ),
    ("defectuoso", "defecto", "falla", "fallo", "averiado", "averia"),
    ("cambio", "cambiar", "cambiarlo", "sustituir", "reemplazo", "reemplazar", "canjear"),
    ("descuento", "promocion", "codigo", "cupon", "rebaja"),
    ("factura", "recibo", "ticket", "comprobante", "cfdi", "facturacion", "invoice"),
    ("internacional", "extranjero", "pais", "paises", "fuera"),
    ("cancelar", "cancelacion", "anular", "anulacion", "cancelo", "anulo"),
    ("garantia", "garantias"),
    ("persona", "humano", "agente", "asesor", "operador", "alguien", "empleado"),
    (
        "contacto",
        "contactar",
        "hablar",
        "llamar",
        "telefono",
        "escribir",
        "correo",
        "email",
        "whatsapp",
    ),
    ("coste", "costo", "precio", "cuesta", "gastos", "gratis", "tarifa", "cobran", "cobrar"),
    ("pago", "pagar", "pague", "pagos", "cobro", "cargo"),
    (
        "forma",
        "metodo",
        "paypal",
        "bizum",
        "visa",
        "mastercard",
        "tarjeta",
        "oxxo",
        "transferencia",
        "apple",
    ),
    ("plazos", "cuotas", "klarna", "financiacion", "financiar"),
    (
        "talla",
        "tallas",
        "tallaje",
        "numero",
        "medida",
        "medidas",
        "queda",
        "grande",
        "pequeno",
        "chico",
    ),
    ("direccion", "domicilio", "casa", "calle", "destinatario"),
    ("tiempo", "plazo", "dias", "demora", "tarda", "tardan", "rapido"),
    ("perdido", "perdio", "robado", "extraviado"),
    ("equivocado", "equivocada", "incorrecto", "otro", "error", "distinto"),
    ("foto", "fotos", "imagen", "imagenes"),
    ("aduana", "aduanas", "impuestos", "arancel", "aranceles", "iva", "igic", "ipsi"),
    ("anadir", "agregar", "sumar", "quitar", "eliminar", "sacar"),
    ("datos", "privacidad", "informacion", "personales", "borrar"),
    ("boletin", "newsletter", "publicidad", "suscripcion", "correos"),
    ("horario", "hora", "horas", "atienden", "abren", "sabado", "domingo"),
    ("tiendafisica", "tienda", "local"),
    ("usado", "usar", "use", "usada", "puesto", "probado", "probe", "etiqueta", "etiquetas"),
    ("higiene", "interior", "banador", "bikini", "pendientes", "cosmeticos", "maquillaje"),
    ("personalizado", "personalizada", "nombre", "iniciales", "bordado", "grabado"),
    ("parcial", "parte", "menos"),
    ("rechazado", "rechazada", "rechazo", "rechazar", "rechazan", "denegado", "denegada"),
    ("responder", "contestar", "respuesta", "contesta", "contestan", "responde"),
    ("urgente", "express", "rapido", "manana"),
)

_STEMMER = snowballstemmer.stemmer("spanish")
_LOCK = threading.Lock()


@functools.lru_cache(maxsize=65_536)
def stem(word: str) -> str:
    """The Snowball (Spanish) stem of a folded word, remembered; one thread at a time
    (the stemmer object keeps state between calls, as the English one does)."""
    with _LOCK:
        return fold(str(_STEMMER.stemWord(word)))


def _synonyms() -> dict[str, str]:
    table: dict[str, str] = {}
    for group in SYNONYM_GROUPS:
        canonical = stem(group[0])
        for word in group:
            table.setdefault(stem(word), canonical)
    return table


SYNONYMS = _synonyms()
STOPWORDS = SPANISH_SEARCH_STOPWORDS
PROTECTED = frozenset(STOPWORDS | {w for group in SYNONYM_GROUPS for w in group})

# Facts marked with what they are, as retrieval/cues.py does in English.
_NUMBER = r"(?:\d+(?:[.,]\d+)?|un|una|dos|tres|cuatro|cinco|seis|siete|ocho|diez|quince|treinta)"
_MONEY = re.compile(r"[$€]\s?\d[\d.,]*|\b\d[\d.,]*\s?(?:€|euros?|pesos?|dolares?)|\b\d+\s?%")
_DURATION = re.compile(
    rf"\b{_NUMBER}(?:\s?(?:-|a|o)\s?{_NUMBER})?\s(?:dias?|semanas?|mes(?:es)?|anos?|horas?)\b"
)
_PLACES = frozenset(
    [
        "espana",
        "peninsula",
        "baleares",
        "mallorca",
        "ibiza",
        "menorca",
        "canarias",
        "tenerife",
        "palmas",
        "ceuta",
        "melilla",
        "portugal",
        "francia",
        "italia",
        "alemania",
        "europa",
        "mexico",
        "argentina",
        "chile",
        "colombia",
        "peru",
        "ecuador",
        "venezuela",
        "uruguay",
        "paraguay",
        "bolivia",
        "guatemala",
        "honduras",
        "panama",
        "cuba",
        "estados",
        "unidos",
        "usa",
        "eeuu",
        "madrid",
        "barcelona",
        "valencia",
        "sevilla",
        "zaragoza",
        "bilbao",
        "cdmx",
        "monterrey",
        "guadalajara",
        "puebla",
        "bogota",
        "lima",
        "quito",
        "santiago",
    ]
)


def _mark(text: str) -> str:
    text = _MONEY.sub(lambda m: f"{m.group(0)} coste ", text)
    text = _DURATION.sub(lambda m: f"{m.group(0)} tiempo ", text)
    return _WORD.sub(
        lambda m: f"{m.group(0)} internacional" if m.group(0) in _PLACES else m.group(0), text
    )


def _phrase_word(match: re.Match[str]) -> str:
    name = next(k for k, v in match.groupdict().items() if v is not None and k in _PHRASE_WORDS)
    return f" {_PHRASE_WORDS[name]} "


def words_of(text: str) -> list[str]:
    """The folded words of a text, as the spelling fixer sees them."""
    return _WORD.findall(fold(text))


def tokenize(text: str, speller: Speller | None = None) -> list[str]:
    """The words of a Spanish text that say what it is about (see the module docstring)."""
    text = fold(text)
    if speller is not None:
        text = _WORD.sub(lambda m: speller.fix(m.group(0)), text)
    text = _mark(text)
    text = _PHRASE.sub(_phrase_word, text)
    words = [w for w in _WORD.findall(text) if w not in STOPWORDS and (len(w) > 1 or w.isdigit())]
    return [SYNONYMS.get(s, s) for s in (stem(w) for w in words)]


# A Spanish question searched in a shop's English policies (no translation): the shop
# terms it names, in English, so the English search can find them. Keyed by the Spanish
# word whose stem (after the synonyms above) the question has.
_BRIDGE_WORDS: dict[str, str] = {
    "reembolso": "refund",
    "devolucion": "return",
    "paquete": "parcel",
    "articulo": "item",
    "seguimiento": "track order",
    "entrega": "delivery",
    "transportista": "carrier",
    "danado": "damaged",
    "defectuoso": "defective",
    "cambio": "exchange",
    "descuento": "discount",
    "tarjetaregalo": "giftcard",
    "factura": "invoice",
    "internacional": "international",
    "cancelar": "cancel",
    "garantia": "warranty",
    "persona": "person",
    "contacto": "contact",
    "coste": "cost",
    "pago": "payment",
    "forma": "paymethod",
    "plazos": "instalment",
    "contrareembolso": "cashondelivery",
    "talla": "size",
    "direccion": "address",
    "tiempo": "time",
    "perdido": "missing",
    "equivocado": "wrong",
    "foto": "photo",
    "aduana": "customs",
    "anadir": "change items",
    "datos": "privacy",
    "boletin": "unsubscribe",
    "horario": "hours",
    "tiendafisica": "showroom",
    "usado": "used",
    "higiene": "hygiene",
    "personalizado": "personalised",
    "parcial": "partial",
    "rechazado": "reject",
    "cobroduplicado": "doublecharge",
    "entregafallida": "faileddelivery",
    "urgente": "express",
    "diahabil": "businessday",
    "cuenta": "account",
    "correo": "email",
    "telefono": "phone",
    "pedido": "order",
    "compra": "order",
    "orden": "order",
    "cancelacion": "cancel",
}
_BRIDGE = {SYNONYMS.get(stem(w), stem(w)): english for w, english in _BRIDGE_WORDS.items()}


def in_english(text: str) -> str:
    """The shop terms a Spanish question names, as English words ("¿cuánto cuesta el
    envío?" → "cost delivery"); numbers kept. For a shop with no Spanish policies."""
    out = [_BRIDGE.get(term, term if term.isdigit() else "") for term in tokenize(text)]
    return " ".join(w for w in out if w)
