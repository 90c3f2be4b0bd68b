"""Legends and notes drawn on folium maps (folium has no categorical legend).

A legend has sections of two kinds: categorical / classed items (a swatch and a label each)
and continuous :class:`Gradient` bars for values mapped on a colour ramp. A button folds the
legend; on a phone-sized screen (≤ 600 px wide) it starts folded, the title leaves room for the
layer control, the minimap is hidden and the synthetic-data note stays in view.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

from branca.element import MacroElement, Template

from gisplan._format import fmt_number

_LEGEND = Template("""
{% macro header(this, kwargs) %}
<style>
.gisplan-legend{position:absolute;z-index:1000;bottom:28px;right:10px;background:rgba(255,255,255,.93);
 padding:8px 10px;border-radius:5px;box-shadow:0 1px 5px rgba(0,0,0,.4);font:12px/1.45 'DejaVu Sans',Arial,sans-serif;
 max-height:60vh;overflow:auto;max-width:290px}
.gisplan-legend h4{margin:0 0 4px;font-size:13px}
.gisplan-legend .sec{margin-top:6px;font-weight:bold}
.gisplan-legend i{display:inline-block;width:16px;height:12px;margin-right:6px;vertical-align:middle;border:1px solid #555}
.gisplan-legend i.line{height:0;border:0;border-top:4px solid;margin-bottom:3px}
.gisplan-legend i.circle{width:11px;height:11px;border-radius:50%}
.gisplan-legend i.dashed{border:1.5px dashed #666}
.gisplan-legend .gradient{height:12px;width:220px;border:1px solid #555;margin-top:3px}
.gisplan-legend .ticks{position:relative;width:220px;height:15px;font-size:11px}
.gisplan-legend .ticks span{position:absolute;transform:translateX(-50%);white-space:nowrap}
.gisplan-legend .ticks span:first-child{transform:none}.gisplan-legend .ticks span:last-child{transform:translateX(-100%)}
.gisplan-note{position:absolute;z-index:1000;bottom:30px;left:50%;transform:translateX(-50%);background:#fff3cd;
 color:#7a4b00;border:1px solid #e0b84f;padding:3px 10px;border-radius:4px;font:bold 12px 'DejaVu Sans',Arial,sans-serif}
.gisplan-title{position:absolute;z-index:1000;top:10px;left:55px;background:rgba(255,255,255,.9);padding:4px 10px;
 border-radius:4px;font:bold 15px 'DejaVu Sans',Arial,sans-serif;box-shadow:0 1px 4px rgba(0,0,0,.3);
 max-width:calc(100% - 130px);box-sizing:border-box}
.gisplan-legend-toggle{display:block;margin:-2px 0 2px auto;border:1px solid #888;border-radius:4px;background:#fff;
 font:bold 12px 'DejaVu Sans',Arial,sans-serif;padding:3px 8px;cursor:pointer}
.gisplan-legend.closed .gisplan-legend-body{display:none}
.gisplan-legend.closed{padding:4px}
.leaflet-top.leaflet-right:has(.leaflet-control-layers-expanded){z-index:1001}
@media (max-width:600px){
 .gisplan-title{font-size:12px;left:50px;max-width:calc(100% - 110px);padding:3px 6px}
 .gisplan-legend{bottom:58px;max-width:calc(100% - 20px);max-height:55%}
 .gisplan-legend:not(.open) .gisplan-legend-body{display:none}
 .gisplan-legend:not(.open){padding:4px}
 .gisplan-note{bottom:20px;max-width:calc(100% - 24px);box-sizing:border-box;white-space:normal;text-align:center;
  font-size:11px}
 .leaflet-control-minimap{display:none}
 .leaflet-bottom.leaflet-left .leaflet-control-scale{margin-bottom:26px}
 .leaflet-popup-content{max-width:calc(100vw - 70px);margin:10px 12px;font-size:12px;overflow-wrap:anywhere}
}
</style>
{% endmacro %}
{% macro html(this, kwargs) %}
{{ this.body }}
{% endmacro %}
""")


class HtmlOverlay(MacroElement):
    """A fixed piece of HTML over the map (legend, note, title)."""

    _template = _LEGEND

    def __init__(self, body: str):
        super().__init__()
        self._name = "GisplanOverlay"
        self.body = body


@dataclass(frozen=True)
class Gradient:
    """A continuous legend: a colour bar from ``stops`` = [(colour, position 0–100 %)] with
    ``ticks`` = [(value, position 0–100 %)] labelled with ``unit`` below it."""

    stops: tuple[tuple[str, float], ...]
    ticks: tuple[tuple[float, float], ...]
    unit: str = ""
    decimals: int = 0
    lang: str = "vi"

    @classmethod
    def from_ramp(cls, ramp, ticks=None, *, unit: str | None = None, decimals: int = 0, lang: str = "vi") -> Gradient:
        """The legend of a :class:`gisplan.maps.style.Ramp`; ticks default to both ends of its range
        and middle, written in the number format of ``lang``."""
        lo, hi = ramp.vmin, ramp.vmax
        values = list(ticks) if ticks is not None else [lo, (lo + hi) / 2, hi]
        span = (hi - lo) or 1.0
        return cls(tuple(ramp.css_stops()), tuple((v, (v - lo) / span * 100) for v in values),
                   ramp.unit if unit is None else unit, decimals, lang)

    def html(self) -> str:
        css = ", ".join(f"{c} {p:.1f}%" for c, p in self.stops)
        ticks = "".join(f"<span style='left:{p:.1f}%'>{html.escape(fmt_number(v, self.lang, self.decimals))}</span>"
                        for v, p in self.ticks)
        unit = f" <span class='unit'>{html.escape(self.unit)}</span>" if self.unit else ""
        return (f"<div class='gradient' data-gisplan-gradient='1' style='background:linear-gradient(to right, {css})'>"
                f"</div><div class='ticks'>{ticks}</div>{unit}")


_TOGGLE = ("var l=this.parentNode,b=l.querySelector('.gisplan-legend-body'),"
           "shown=getComputedStyle(b).display!=='none';l.classList.toggle('open',!shown);"
           "l.classList.toggle('closed',shown);this.setAttribute('aria-expanded',String(!shown));")


def legend_html(title: str, sections: list[tuple[str | None, list[tuple[str, str, str]] | Gradient]],
                lang: str = "vi") -> str:
    """HTML of a legend: ``sections`` = [(section title or None, items)] where items are
    [(colour, label, shape)] with shape ``box``, ``line``, ``circle`` or ``dashed`` (a light
    box with a dashed outline), or a :class:`Gradient` for a continuous value. A button
    (``.gisplan-legend-toggle``) folds and unfolds the body (``.gisplan-legend-body``)."""
    button = "Chú giải" if lang == "vi" else "Legend"
    parts = [f"<div class='gisplan-legend' data-gisplan-legend='1'>"
             f"<button type='button' class='gisplan-legend-toggle' aria-expanded='true' onclick=\"{_TOGGLE}\">"
             f"{button}</button><div class='gisplan-legend-body'><h4>{html.escape(title)}</h4>"]
    for sec_title, items in sections:
        if sec_title:
            parts.append(f"<div class='sec'>{html.escape(sec_title)}</div>")
        if isinstance(items, Gradient):
            parts.append(items.html())
            continue
        for color, label, shape in items:
            style = {"line": f"border-top-color:{color}", "dashed": f"background:{color}40"}.get(shape, f"background:{color}")
            parts.append(f"<div><i class='{shape}' style='{style}'></i>{html.escape(label)}</div>")
    parts.append("</div></div>")
    # the button tells assistive technology whether the legend starts folded (phone) or open
    parts.append("<script>(function(){var l=document.currentScript.previousElementSibling,"
                 "b=l.querySelector('.gisplan-legend-body');l.querySelector('.gisplan-legend-toggle')"
                 ".setAttribute('aria-expanded',String(getComputedStyle(b).display!=='none'));})();</script>")
    return "".join(parts)


def add_legend(m, title: str, sections, lang: str = "vi") -> None:
    HtmlOverlay(legend_html(title, sections, lang)).add_to(m)


def add_note(m, text: str) -> None:
    HtmlOverlay(f"<div class='gisplan-note' data-gisplan-note='1'>{html.escape(text)}</div>").add_to(m)


def add_title(m, text: str) -> None:
    HtmlOverlay(f"<div class='gisplan-title'>{html.escape(text)}</div>").add_to(m)
