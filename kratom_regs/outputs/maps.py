"""Choropleth maps of status (US states, DC and territories; the world) as SVG, PNG or HTML.

Everything is drawn offline from geometry vendored in kratom_regs/geo (see its
ATTRIBUTION.md): the TopoJSON is inlined into the Vega-Lite spec, and the renderer is
allowed no base URL at all, so a spec that pointed at the network would fail loudly
instead of rendering an empty map. altair and vl-convert are imported inside functions
because `import kratom_regs` must stay light.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import math
from collections.abc import Callable
from functools import cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kratom_regs.fsutil import write_bytes_atomic
from kratom_regs.loader import Package, get_package, parse_day
from kratom_regs.rules import known_date, period_on, status_law_id, status_since
from kratom_regs.textsafe import inert, inert_tree
from kratom_regs.vocab import UNKNOWN_IN_SHORT, Confidence, Status

if TYPE_CHECKING:
    import altair as alt

REGIONS = ("us", "world")
FORMATS = ("svg", "png", "html")

#: ColorBrewer RdBu (4 classes, rated colourblind-safe) from prohibitive to permissive, and a neutral
#: grey for unknown: readers with red-green colour blindness still see the order by lightness and hue.
STATUS_COLOURS: dict[str, str] = {
    Status.BANNED: "#ca0020",
    Status.RESTRICTED: "#f4a582",
    Status.REGULATED: "#92c5de",
    Status.LEGAL: "#0571b0",
    Status.UNKNOWN: "#e6e6e6",
}
#: World features without an ISO 3166-1 code of their own (Somaliland, N. Cyprus, ...).
NOT_CODED = "not coded"
NOT_CODED_COLOUR = "#ffffff"
LOW = Confidence.LOW.value

#: Short meanings for the legend: a reader must not need the README to read the map.
LEGEND_MEANINGS: dict[str, str] = {
    Status.BANNED: "controlled, possession an offence",
    Status.RESTRICTED: "sale or import prohibited",
    Status.REGULATED: "legal under kratom-specific rules",
    Status.LEGAL: "no kratom-specific law found",
    Status.UNKNOWN: UNKNOWN_IN_SHORT,
    NOT_CODED: "no ISO code of its own",
}

#: us-atlas keys states by FIPS code; ISO 3166-2 uses USPS codes. A fixed public code list.
FIPS_TO_USPS: dict[str, str] = {
    "01": "AL",
    "02": "AK",
    "04": "AZ",
    "05": "AR",
    "06": "CA",
    "08": "CO",
    "09": "CT",
    "10": "DE",
    "11": "DC",
    "12": "FL",
    "13": "GA",
    "15": "HI",
    "16": "ID",
    "17": "IL",
    "18": "IN",
    "19": "IA",
    "20": "KS",
    "21": "KY",
    "22": "LA",
    "23": "ME",
    "24": "MD",
    "25": "MA",
    "26": "MI",
    "27": "MN",
    "28": "MS",
    "29": "MO",
    "30": "MT",
    "31": "NE",
    "32": "NV",
    "33": "NH",
    "34": "NJ",
    "35": "NM",
    "36": "NY",
    "37": "NC",
    "38": "ND",
    "39": "OH",
    "40": "OK",
    "41": "OR",
    "42": "PA",
    "44": "RI",
    "45": "SC",
    "46": "SD",
    "47": "TN",
    "48": "TX",
    "49": "UT",
    "50": "VT",
    "51": "VA",
    "53": "WA",
    "54": "WV",
    "55": "WI",
    "56": "WY",
    "60": "AS",
    "66": "GU",
    "69": "MP",
    "72": "PR",
    "78": "VI",
}
#: Places the Albers USA projection cannot show (it draws only the 50 states), plus DC, which is
#: too small to see at national scale: each gets its own zoomed panel under the main map.
US_INSETS = ("11", "72", "78", "66", "69", "60")
#: Short inset labels: the atlas's own names are long or in ISO's inverted form.
INSET_LABELS = {"11": "District of Columbia", "69": "Northern Mariana Islands", "78": "US Virgin Islands"}
#: world-atlas features without an id, matched by name.
WORLD_NAME_IDS = {"Kosovo": "XK"}
#: ISO numeric codes left off the world map: Antarctica (AQ).
WORLD_NOT_DRAWN = frozenset({"010"})
#: A country whose bounding box is smaller than this (square degrees) is invisible at world scale:
#: when it has a researched status it also gets a dot, so Singapore or Malta cannot disappear.
SMALL_AREA = 6.0
#: US territories are coded under the US (US-PR); their ISO 3166-1 shapes on the world map take that row.
US_TERRITORIES = ("PR", "GU", "VI", "AS", "MP")

#: Natural Earth draws these ISO 3166-1 places as islands of another country's shape (French Guiana as part of
#: France): parent feature id → {the part's ISO numeric code: boxes (west, south, east, north) holding its
#: polygons}. They are cut out into features of their own, so each is coloured and counted by its own status.
WORLD_PARTS: dict[str, dict[str, list[tuple[float, float, float, float]]]] = {
    "250": {  # France
        "254": [(-55.0, 1.5, -51.0, 6.5)],  # French Guiana
        "312": [(-62.0, 15.8, -61.0, 16.6)],  # Guadeloupe
        "474": [(-61.3, 14.3, -60.7, 15.0)],  # Martinique
        "638": [(55.0, -21.6, 56.0, -20.7)],  # Réunion
        "175": [(44.8, -13.2, 45.4, -12.5)],  # Mayotte
    },
    "528": {"535": [(-68.6, 11.9, -62.8, 17.8)]},  # Netherlands: Bonaire, Sint Eustatius and Saba
    "578": {"744": [(-10.0, 70.5, -7.5, 71.5), (10.0, 74.0, 35.0, 81.0)]},  # Norway: Svalbard and Jan Mayen
}

#: Name of the inlined geometry in the spec's `datasets`.
GEO_DATASET = "geometry"
#: The renderer resolves a relative link against its own default base URL; links are written against
#: this reserved (.invalid never resolves) base and the base is cut from the SVG, leaving them relative.
LINK_BASE = "https://kratom-regs.invalid/"

SOURCE_GEOMETRY = {
    "us": "Boundaries: US Census Bureau via us-atlas (ISC)",
    "world": "Boundaries: Natural Earth via world-atlas (ISC)",
}


#: Low confidence is the map's second visual channel: the status colour stays, hatched with white lines, so
#: "legal, no control found (list not read)" never looks like a verified legal. The pattern is an SVG paint
#: server the renderer cannot define, so it is put into every SVG (and the HTML page) we write.
HATCH_ID = "kr-low-confidence"
HATCH_FILL = f"url(#{HATCH_ID})"
HATCH_DEFS = (
    f'<defs><pattern id="{HATCH_ID}" patternUnits="userSpaceOnUse" width="6" height="6" '
    'patternTransform="rotate(45)"><rect x="0" y="0" width="2.4" height="6" fill="#ffffff" '
    'fill-opacity="0.85"/></pattern></defs>'
)
#: What each confidence class rests on, for the map's second legend.
CONFIDENCE_LEGEND: tuple[tuple[str, str], ...] = (
    ("solid", "high or medium confidence: the law, an official page or a reputable secondary source was read"),
    (
        "hatched",
        "low confidence: weak or conflicting sources; for 'legal', no control found but the national "
        "list of controlled substances was not read in full",
    ),
)


def require_renderer() -> None:
    """Fail with an install hint, not a bare ModuleNotFoundError, when the map libraries are missing."""
    from kratom_regs.outputs.exports import needs_extra

    with needs_extra("altair and vl-convert-python"):
        import altair  # noqa: F401
        import vl_convert  # noqa: F401


@cache
def _topology(name: str) -> str:
    return (resources.files("kratom_regs.outputs") / "geo" / name).read_text(encoding="utf-8")


def topology(region: str) -> dict[str, Any]:
    """A fresh copy of the region's vendored TopoJSON (callers annotate its properties)."""
    name = {"us": "us-states-10m.json", "world": "world-countries-50m.json"}[region]
    topo: dict[str, Any] = json.loads(_topology(name))
    if region == "world":
        _cut_out_parts(topo)
    return topo


def _cut_out_parts(topo: dict[str, Any]) -> None:
    """Give each place of WORLD_PARTS a feature of its own, made of the polygons its boxes hold."""
    import pycountry

    geoms = topo["objects"]["countries"]["geometries"]
    for g in list(geoms):
        parts = WORLD_PARTS.get(str(g.get("id")))
        if not parts or g["type"] != "MultiPolygon":
            continue
        bounds = feature_bounds(topo, [{"type": "Polygon", "arcs": poly} for poly in g["arcs"]])
        for code, boxes in parts.items():
            inside = [
                i
                for i, (w, s, e, n) in enumerate(bounds)
                if any(bw <= w and bs <= s and e <= be and n <= bn for bw, bs, be, bn in boxes)
            ]
            if not inside:
                continue
            country = pycountry.countries.get(numeric=code)
            name = country.name if country else code
            geoms.append(
                {
                    "type": "MultiPolygon",
                    "id": code,
                    "properties": {"name": name},
                    "arcs": [g["arcs"][i] for i in inside],
                }
            )
            g["arcs"] = [a for i, a in enumerate(g["arcs"]) if i not in inside]
            bounds = [b for i, b in enumerate(bounds) if i not in inside]


def _arc_points(topo: dict[str, Any]) -> list[list[tuple[float, float]]]:
    """Every arc of a quantized TopoJSON as absolute lon/lat points (the format's delta encoding undone)."""
    (sx, sy), (tx, ty) = topo["transform"]["scale"], topo["transform"]["translate"]
    arcs = []
    for arc in topo["arcs"]:
        x = y = 0
        pts = []
        for dx, dy in arc:
            x, y = x + dx, y + dy
            pts.append((x * sx + tx, y * sy + ty))
        arcs.append(pts)
    return arcs


def feature_bounds(topo: dict[str, Any], geometries: list[dict[str, Any]]) -> list[tuple[float, float, float, float]]:
    """(west, south, east, north) of each geometry of the topology."""
    arcs = _arc_points(topo)
    out = []
    for g in geometries:
        rings = g["arcs"] if g["type"] == "Polygon" else [r for poly in g["arcs"] for r in poly]
        pts = [p for ring in rings for i in ring for p in arcs[i if i >= 0 else ~i]]
        xs, ys = [p[0] for p in pts], [p[1] for p in pts]
        out.append((min(xs), min(ys), max(xs), max(ys)))
    return out


def world_feature_ids() -> dict[str, str | None]:
    """world-atlas feature id (ISO numeric, or the name when it has none) → our jurisdiction id."""
    import pycountry

    out: dict[str, str | None] = {}
    for g in topology("world")["objects"]["countries"]["geometries"]:
        fid = g.get("id")
        if fid is None:
            out[g["properties"]["name"]] = WORLD_NAME_IDS.get(g["properties"]["name"])
            continue
        country = pycountry.countries.get(numeric=fid)
        alpha2 = country.alpha_2 if country else None
        out[fid] = f"US-{alpha2}" if alpha2 in US_TERRITORIES else alpha2
    return out


def statuses_on(pkg: Package, day: dt.date) -> dict[str, dict[str, str]]:
    """jurisdiction id → the period in force on `day` (as CSV strings), for every jurisdiction."""
    iso = day.isoformat()
    out: dict[str, dict[str, str]] = {}
    for jid in pkg.index["juris"]:
        p = period_on(pkg.period_rows(jid), iso)
        if p is not None:
            out[jid] = p
    return out


def _annotate(
    pkg: Package,
    geometries: list[dict[str, Any]],
    ids: dict[str, str | None],
    periods: dict[str, dict[str, str]],
    link: str | None,
) -> dict[str, int]:
    """Write status, name and link into each geometry's properties; count places per status.

    The legend counts each jurisdiction once, whatever number of shapes it is drawn with; features
    without a code of their own are counted one by one.
    """
    juris = pkg.index["juris"]
    laws = {e["event_id"]: e["official_citation"] for e in pkg.rows("events")}
    counts: dict[str, int] = {}
    counted: set[str] = set()
    for g in geometries:
        key = str(g["id"]) if g.get("id") is not None else str(g["properties"].get("name", ""))
        jid = ids.get(key)
        props = g.setdefault("properties", {})
        if jid is None or jid not in juris:
            props.update(
                status=NOT_CODED,
                name=props.get("name", ""),
                jurisdiction_id="",
                since="",
                law="",
                confidence="",
                href="",
                tip=f"{props.get('name', '')}: not coded",
            )
        else:
            p = periods[jid]
            since = known_date(*status_since(p))  # since when and under which law, as every output says it
            law_id = status_law_id(p)
            law = laws.get(law_id, "") if law_id else ""
            confidence = p.get("confidence") or ""
            tip = (
                f"{juris[jid]['name']}: {p['status']}"
                + (f" since {since}" if since else "")
                + (f" ({law})" if law else "")
                + (f"; confidence {confidence}" if confidence else "")
            )
            props.update(
                status=p["status"],
                name=juris[jid]["name"],
                jurisdiction_id=jid,
                since=since,
                law=law,
                confidence=confidence,
                href=LINK_BASE + link.format(id=jid) if link else "",
                tip=tip,
            )
        if props["jurisdiction_id"]:
            if props["jurisdiction_id"] in counted:
                continue
            counted.add(props["jurisdiction_id"])
        counts[props["status"]] = counts.get(props["status"], 0) + 1
    return counts


def _colour_scale(domain: list[str]) -> alt.Scale:
    import altair as alt

    colours = {**STATUS_COLOURS, NOT_CODED: NOT_CODED_COLOUR}
    return alt.Scale(domain=domain, range=[colours[d] for d in domain])


def _legend(domain: list[str], counts: dict[str, int]) -> alt.Legend:
    import altair as alt

    labels = {d: f"{d}: {LEGEND_MEANINGS[d]} ({counts.get(d, 0)})" for d in domain}
    return alt.Legend(
        title="Status of the kratom leaf",
        orient="top",
        direction="vertical",
        columns=2,
        columnPadding=36,  # the SVG is measured with one font and shown with the reader's: room for the difference
        labelExpr=f"{json.dumps(labels)}[datum.label]",
        labelLimit=320,
        symbolStrokeColor="#555",
        symbolStrokeWidth=0.5,
        symbolType="square",
        symbolSize=180,
    )


def _shapes(
    data: alt.NamedData,
    feature_filter: str | None,
    domain: list[str],
    counts: dict[str, int],
    link: bool,
    inset: bool = False,
) -> alt.Chart:
    import altair as alt

    chart = alt.Chart(data).mark_geoshape(stroke="#ffffff", strokeWidth=2.5 if inset else 0.5, clip=inset)
    if feature_filter:
        chart = chart.transform_filter(feature_filter)
    enc: dict[str, Any] = {}
    if NOT_CODED in domain:  # white "not coded" areas need an outline to stand apart from the sea
        enc["stroke"] = alt.condition(
            f"datum.properties.status === {json.dumps(NOT_CODED)}", alt.value("#888888"), alt.value("#ffffff")
        )
    if inset:  # small islands vanish at any scale: outline them in their own colour so they stay visible
        enc["stroke"] = alt.Stroke("properties.status:N", scale=_colour_scale(domain), legend=_legend(domain, counts))
    enc |= {
        "color": alt.Color("properties.status:N", scale=_colour_scale(domain), legend=_legend(domain, counts)),
        "tooltip": alt.Tooltip("properties.tip:N", title="status"),
        "description": alt.Description("properties.tip:N"),
    }
    if link:
        enc["href"] = alt.Href("properties.href:N")
    encoded: alt.Chart = chart.encode(**enc)
    return encoded


def _hatch(data: alt.NamedData, feature_filter: str | None, link: bool, inset: bool = False) -> alt.Chart:
    """The low-confidence places again, filled with the hatch over their status colour."""
    import altair as alt

    low = f"datum.properties.confidence === {json.dumps(LOW)}"
    chart = alt.Chart(data).mark_geoshape(fill=HATCH_FILL, stroke=None, strokeWidth=0, clip=inset)
    chart = chart.transform_filter(f"({feature_filter}) && {low}" if feature_filter else low)
    enc: dict[str, Any] = {
        "tooltip": alt.Tooltip("properties.tip:N", title="status"),
        "description": alt.Description("properties.tip:N"),
    }
    if link:
        enc["href"] = alt.Href("properties.href:N")
    encoded: alt.Chart = chart.encode(**enc)
    return encoded


def _confidence_key(width: int) -> alt.LayerChart:
    """The second legend: what a solid and a hatched fill rest on."""
    import altair as alt

    rows = [
        {"y": i, "label": f"{kind}: {text}", "fill": HATCH_FILL if kind == "hatched" else "#0571b0"}
        for i, (kind, text) in enumerate(CONFIDENCE_LEGEND)
    ]
    base = alt.Chart(alt.InlineData(values=rows)).encode(y=alt.Y("y:O", axis=None))
    swatch = base.mark_square(size=180, stroke="#555", strokeWidth=0.5, color="#0571b0", opacity=1).encode(
        x=alt.value(8)
    )
    hatched = (
        base.transform_filter("datum.y === 1").mark_square(size=180, fill=HATCH_FILL, opacity=1).encode(x=alt.value(8))
    )
    text = base.mark_text(align="left", fontSize=12, x=22).encode(text="label:N")
    return alt.layer(swatch, hatched, text).properties(
        width=width, height=36, title=alt.TitleParams("How sure the coding is", anchor="start", fontSize=12)
    )


def _inset_projection(
    bounds: tuple[float, float, float, float], width: int, height: int, pad: int = 8
) -> dict[str, Any]:
    """A Mercator projection that fits one place into its panel with a margin.

    Set explicitly rather than with Vega-Lite's automatic fit: identical projections in a concat
    are merged into one fitted to all six places, and the fit leaves no room for the outline.
    """
    west, south, east, north = bounds
    merc = [math.log(math.tan(math.pi / 4 + math.radians(lat) / 2)) for lat in (south, north)]
    dx = max(math.radians(east - west), 1e-6)
    dy = max(merc[1] - merc[0], 1e-6)
    scale = min((width - 2 * pad) / dx, (height - 2 * pad) / dy)
    centre_lat = math.degrees(2 * math.atan(math.exp((merc[0] + merc[1]) / 2)) - math.pi / 2)
    return {
        "type": "mercator",
        "center": [round((west + east) / 2, 5), round(centre_lat, 5)],
        "scale": round(scale, 3),
        "translate": [width / 2, height / 2],
    }


def _small_place_dots(
    topo: dict[str, Any], obj: str, domain: list[str], counts: dict[str, int], link: bool
) -> alt.Chart | alt.LayerChart | None:
    """Dots over researched places too small to see as shapes (bounding box under SMALL_AREA)."""
    import altair as alt

    geoms = topo["objects"][obj]["geometries"]
    rows = []
    for g, (west, south, east, north) in zip(geoms, feature_bounds(topo, geoms), strict=True):
        props = g["properties"]
        if props["status"] in (Status.UNKNOWN, NOT_CODED) or (east - west) * (north - south) >= SMALL_AREA:
            continue
        rows.append(
            {
                "lon": (west + east) / 2,
                "lat": (south + north) / 2,
                **{k: props[k] for k in ("status", "tip", "href", "confidence")},
            }
        )
    if not rows:
        return None
    enc: dict[str, Any] = {
        "longitude": alt.Longitude("lon:Q"),
        "latitude": alt.Latitude("lat:Q"),
        "color": alt.Color("status:N", scale=_colour_scale(domain), legend=_legend(domain, counts)),
        "tooltip": alt.Tooltip("tip:N", title="status"),
        "description": alt.Description("tip:N"),
    }
    if link:
        enc["href"] = alt.Href("href:N")
    dots: alt.Chart = (
        alt.Chart(alt.InlineData(values=rows))
        .mark_circle(size=70, opacity=1, stroke="#222222", strokeWidth=1)
        .encode(**enc)
    )
    low = [r for r in rows if r["confidence"] == LOW]
    if not low:
        return dots
    hatch = {k: v for k, v in enc.items() if k != "color"}
    return alt.layer(
        dots,
        alt.Chart(alt.InlineData(values=low))
        .mark_circle(size=70, opacity=1, fill=HATCH_FILL, stroke="#222222", strokeWidth=1)
        .encode(**hatch),
    )


def _low_confidence_note(periods: dict[str, dict[str, str]], shown: Callable[[str], bool], why: str = "") -> str:
    """How much of the map is weak, in words beside the hatching."""
    coded = [p for j, p in periods.items() if shown(j) and p["status"] != Status.UNKNOWN]
    low = sum(p.get("confidence") == LOW for p in coded)
    return f"{low} of the {len(coded)} coded places are low confidence, shown hatched{why}."


def _undrawn_note(pkg: Package, periods: dict[str, dict[str, str]], drawn: set[str]) -> str:
    """Coded countries the world geometry has no shape for are named, so the map never hides a coding."""
    juris = pkg.index["juris"]
    missing = sorted(
        f"{juris[j]['name']} ({periods[j]['status']})"
        for j in periods
        if j in juris
        and juris[j]["level"] == "country"
        and j != "US"
        and periods[j]["status"] != Status.UNKNOWN.value
        and j not in drawn
    )
    return f"Too small to draw at this scale: {', '.join(missing)}." if missing else ""


def _titles(pkg: Package, region: str, day: dt.date, periods: dict[str, dict[str, str]]) -> tuple[str, list[str], str]:
    from kratom_regs.api import as_of_warning

    warning = as_of_warning(pkg, day)
    verified = (
        f" ({day.isoformat()} is {warning})"
        if warning
        else f" (data checked to {pkg.as_of})"
        if day.isoformat() != pkg.as_of
        else ""
    )
    if region == "us":
        federal = periods["US"]["status"] if "US" in periods else Status.UNKNOWN.value
        title = "Kratom's legal status in US states, DC and territories"
        sub = [
            f"State and territory law in force on {day.isoformat()}{verified}.",
            f"Federal law ({federal} on that day) and county or city rules apply on top; levels are never merged.",
            _low_confidence_note(
                periods,
                lambda j: pkg.index["juris"][j]["level"] == "state" and pkg.index["juris"][j]["parent_id"] == "US",
            ),
        ]
    else:
        title = "Kratom's legal status by country"
        sub = [
            f"National law in force on {day.isoformat()}{verified}. US territories are shown with their own law.",
            "Subnational rules (US states, Australian states, cities) are on the jurisdiction pages.",
            _low_confidence_note(
                periods,
                lambda j: pkg.index["juris"][j]["level"] == "country",
                " (most low 'legal' codings: no control found, national list not read in full)",
            ),
        ]
    source = (
        f"Source: kratom-regs {pkg.version}, data as of {pkg.as_of}, CC BY 4.0. Not legal advice. "
        f"{SOURCE_GEOMETRY[region]}."
    )
    return title, sub, source


def build_spec(
    region: str,
    *,
    as_of: str | dt.date | None = None,
    version: str | None = None,
    pkg: Package | None = None,
    link: str | None = None,
) -> dict[str, Any]:
    """The map as a Vega-Lite spec with its geometry inlined. `link` ("j/{id}.html") makes every shape a link.

    The chart refers to the geometry by name and the TopoJSON is put into the finished spec's
    `datasets`: inlined through altair it would be deep-copied at every step of the composition
    (seconds per map for the world).
    """
    require_renderer()
    import altair as alt

    if region not in REGIONS:
        raise ValueError(f"--region must be one of {', '.join(REGIONS)}, not {region!r}")
    pkg = pkg or get_package(version)
    day = parse_day(as_of) if as_of is not None else dt.date.fromisoformat(pkg.as_of)
    topo = topology(region)
    obj = "states" if region == "us" else "countries"
    ids: dict[str, str | None] = (
        {f: f"US-{u}" for f, u in FIPS_TO_USPS.items()} if region == "us" else world_feature_ids()
    )
    periods = statuses_on(pkg, day)  # once: the shapes, the counts and the titles all read it
    if region == "us":  # the nation outline is not used; drop it so every output stays small
        topo["objects"].pop("nation", None)
    else:  # Antarctica has no law of its own to show and would take a fifth of the map (nor is it counted)
        topo["objects"].pop("land", None)
        geoms = topo["objects"][obj]["geometries"]
        geoms[:] = [g for g in geoms if g.get("id") not in WORLD_NOT_DRAWN]
    counts = _annotate(pkg, topo["objects"][obj]["geometries"], ids, periods, link)
    drawn = {g["properties"]["jurisdiction_id"] for g in topo["objects"][obj]["geometries"]}
    data = alt.NamedData(name=GEO_DATASET, format=alt.DataFormat(type="topojson", feature=obj))  # type: ignore[no-untyped-call]  # altair stubs
    domain = [s.value for s in Status] + ([NOT_CODED] if region == "world" and NOT_CODED in counts else [])
    title, subtitle, source = _titles(pkg, region, day, periods)
    undrawn = _undrawn_note(pkg, periods, drawn) if region == "world" else ""
    if undrawn:
        subtitle.append(undrawn)

    if region == "us":
        inset_ids = ", ".join(json.dumps(i) for i in US_INSETS)
        not_inset = f"indexof([{inset_ids}], datum.id) < 0"
        main = alt.layer(
            _shapes(data, not_inset, domain, counts, link is not None), _hatch(data, not_inset, link is not None)
        )
        main = main.project(type="albersUsa").properties(width=860, height=500)
        panels = []
        geoms = {g["id"]: g for g in topo["objects"][obj]["geometries"]}
        for fid in US_INSETS:
            label = INSET_LABELS.get(fid, geoms[fid]["properties"]["name"])
            one = f"datum.id === {json.dumps(fid)}"
            panel = alt.layer(
                _shapes(data, one, domain, counts, link is not None, inset=True),
                _hatch(data, one, link is not None, inset=True),
            )
            bounds = feature_bounds(topo, [geoms[fid]])[0]
            panels.append(
                panel.project(**_inset_projection(bounds, 120, 90)).properties(
                    width=120,
                    height=90,
                    view=alt.ViewBackground(stroke="#bbbbbb"),
                    title=alt.TitleParams(label, orient="bottom", fontSize=11, fontWeight="normal"),
                )
            )
        body: alt.VConcatChart = alt.vconcat(main, alt.hconcat(*panels, spacing=16), _confidence_key(860), spacing=10)
    else:
        shapes = _shapes(data, None, domain, counts, link is not None)
        hatch = _hatch(data, None, link is not None)
        dots = _small_place_dots(topo, obj, domain, counts, link is not None)
        world = (
            (alt.layer(shapes, hatch, dots) if dots is not None else alt.layer(shapes, hatch))
            .project(type="equalEarth")
            .properties(width=960, height=430)
        )
        body = alt.vconcat(world, _confidence_key(960), spacing=10)
    footer = (
        alt.Chart(alt.InlineData(values=[{"t": source}]))
        .mark_text(align="left", baseline="top", fontSize=11, color="#444", x=0, y=0)
        .encode(text="t:N")
        .properties(width=860 if region == "us" else 960, height=16)
    )
    chart = (
        alt.vconcat(body, footer, spacing=12)
        .properties(
            title=alt.TitleParams(
                title,
                subtitle=subtitle,
                anchor="start",
                fontSize=20,
                subtitleFontSize=13,
                subtitleColor="#333",
                offset=12,
            ),
            padding=16,
            background="white",
        )
        .configure_view(stroke=None)
        .configure_legend(titleFontSize=12, labelFontSize=12)
    )
    spec: dict[str, Any] = chart.to_dict()
    spec.setdefault("datasets", {})[GEO_DATASET] = topo
    return spec


def _vl_version() -> str | None:
    """The Vega-Lite version altair wrote the spec for, so the renderer reads it the same way."""
    import altair as alt
    import vl_convert as vlc

    version = ".".join(alt.SCHEMA_VERSION.lstrip("v").split(".")[:2])
    return version if version in vlc.get_vegalite_versions() else None


def render(spec: dict[str, Any], fmt: str) -> bytes:
    """SVG, PNG (2× scale) or a self-contained HTML page; no network is allowed while rendering."""
    require_renderer()
    import vl_convert as vlc

    spec = inert_tree(spec)  # record text in tooltips, names and titles: shown, never obeyed, valid XML
    if fmt in ("svg", "png"):
        svg: str = vlc.vegalite_to_svg(spec, vl_version=_vl_version(), allowed_base_urls=[])
        svg = with_hatch(svg.replace(LINK_BASE, ""))
        return svg.encode("utf-8") if fmt == "svg" else bytes(vlc.svg_to_png(svg, scale=2))
    if fmt == "html":
        return safe_html(spec).encode("utf-8")
    raise ValueError(f"map format must be one of {', '.join(FORMATS)}, not {fmt!r}")


def with_hatch(svg: str) -> str:
    """The SVG with the low-confidence pattern defined right after its opening tag."""
    end = svg.index(">", svg.index("<svg")) + 1
    return svg[:end] + HATCH_DEFS + svg[end:]


_PLACEHOLDER = {"mark": "point", "description": "kratom-regs placeholder"}
_OPTIONS = {"renderer": "svg", "actions": {"export": True, "source": False, "compiled": False, "editor": False}}


def safe_html(spec: dict[str, Any]) -> str:
    """A self-contained page (Vega bundled inline, no CDN) whose embedded JSON cannot end its <script>.

    vl-convert writes the spec with plain json.dumps, so a record containing "</script>" would
    end the script element. We render a placeholder page and put the spec in ourselves with
    "<", ">" and "&" written as JSON unicode escapes (the same string to the parser). The
    "open in editor" action is off: it would post the data to a website.
    """
    import vl_convert as vlc

    page: str = vlc.vegalite_to_html(_PLACEHOLDER, vl_version=_vl_version(), bundle=True)
    spec_line = f"const spec = {json.dumps(_PLACEHOLDER, separators=(',', ':'))};"
    opts_line = 'const opts = {"renderer":"svg"}'
    if page.count(spec_line) != 1 or page.count(opts_line) != 1:
        raise RuntimeError("vl-convert's HTML template changed: cannot embed the map safely")
    payload = json.dumps(spec, ensure_ascii=False, separators=(",", ":"))
    for ch, esc in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        payload = payload.replace(ch, esc)
    page = page.replace(spec_line, f"const spec = {payload};", 1)
    # the hatch pattern, defined once in the page: the chart's SVG refers to it by id
    page = page.replace(
        "<body>", f'<body><svg width="0" height="0" style="position:absolute" aria-hidden="true">{HATCH_DEFS}</svg>', 1
    )
    page = page.replace(opts_line, f"const opts = {json.dumps(_OPTIONS)};", 1)
    # vl-convert's page is titled "Chart" with no language: a tab, a bookmark or a screen reader needs more.
    title = spec.get("title", {})
    text = title.get("text", "") if isinstance(title, dict) else str(title)
    name = f"{html.escape(inert(str(text)))} · kratom-regs" if text else "kratom-regs map"
    if page.count("<title>Chart</title>") != 1 or not page.startswith("<!DOCTYPE html>\n<html>"):
        raise RuntimeError("vl-convert's HTML template changed: cannot title the map page")
    page = page.replace("<title>Chart</title>", f"<title>{name}</title>", 1)
    # the chart is drawn at a fixed width: on a phone it shrinks to the screen instead of scrolling sideways
    page = page.replace(
        "</style>",
        "  #vega-chart, #vega-chart svg { max-width: 100%; height: auto; }\n"
        "    body { margin: 0; overflow-wrap: anywhere; }\n    </style>",
        1,
    )
    return page.replace("<html>", '<html lang="en">', 1)


def write_map(region: str, output: Path, *, as_of: str | None = None, version: str | None = None) -> Path:
    """Render the map in the format the file name asks for and write it atomically."""
    fmt = output.suffix.lower().lstrip(".")
    if fmt not in FORMATS:
        raise ValueError(f"-o must end in .svg, .png or .html, not {output.name!r}")
    data = render(build_spec(region, as_of=as_of, version=version), fmt)
    write_bytes_atomic(output, data)
    return output
