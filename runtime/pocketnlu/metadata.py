"""The model metadata (the "meta" section): its schema, in one place.

The packer builds the dict with `nlu_metadata` and the reader checks it with `read_nlu_metadata`
at open, so a file that opens is one whose every key has the right type and whose every
reference (a model's table and transitions sections, a pipeline's models, a domain's intent
model) exists. Each problem is a CorruptModelError naming the key. The keys, their types and
meaning are specified in csrc/FORMAT.md ("Metadata section").
"""
import math
from dataclasses import dataclass, fields
from itertools import repeat
from typing import Dict, List, Mapping, Optional, Union

from .errors import CorruptModelError
from .features import FeatureConfig
from .modelfile import KIND_COLUMNS, KIND_MATRIX, KIND_MATRIX16, KIND_TABLE, KIND_VALUES, Section

MODEL_TYPES = ("classifier", "crf")
TRANSITION_KINDS = (KIND_COLUMNS, KIND_MATRIX, KIND_MATRIX16)
UINT32_MAX = 2**32 - 1


@dataclass(frozen=True)
class ModelSpec:
    """One model of the file: a classifier or a CRF over a weight table."""

    name: str
    type: str
    table: str
    labels: List[str]
    scale: float
    transitions: Optional[str] = None  # crf only
    temperature: float = 1.0  # classifier only: confidences are softmax(scale * scores / temperature)

    def to_dict(self) -> dict:
        spec = {"type": self.type, "table": self.table, "labels": list(self.labels), "scale": self.scale}
        if self.transitions is not None:
            spec["transitions"] = self.transitions
        if self.temperature != 1.0:  # absent means 1.0: uncalibrated files keep their bytes
            spec["temperature"] = self.temperature
        return spec


@dataclass(frozen=True)
class SlotResolution:
    """How a slot's text becomes a value: a built-in entity `kind` (pocketnlu.entities), or the
    canonical values of template list `list`, packed in value-table section `table`."""

    kind: Optional[str] = None
    list: Optional[str] = None
    table: Optional[str] = None

    def to_dict(self) -> dict:
        return {"kind": self.kind} if self.kind is not None else {"list": self.list, "table": self.table}


@dataclass(frozen=True)
class PipelineSpec:
    """How the models make a parse: flat (`intent`) or hierarchical (`domain`, then per domain
    an intent model or the domain's only intent), then `slots`."""

    features: FeatureConfig
    oos_threshold: Optional[float] = None
    intent: Optional[str] = None
    intent_domains: Optional[Dict[str, str]] = None  # flat: intent -> its domain, where known
    domain: Optional[str] = None
    domain_intents: Optional[Dict[str, Union[str, ModelSpec]]] = None  # domain -> only intent or model
    slots: Optional[str] = None
    slot_values: Optional[Dict[str, SlotResolution]] = None  # slot type -> how it resolves

    def to_dict(self) -> dict:
        pipeline = {"features": self.features.to_dict(), "oos_threshold": self.oos_threshold}
        if self.domain is None:
            pipeline.update(intent=self.intent, intent_domains=dict(self.intent_domains or {}))
        else:
            pipeline["domain"] = self.domain
            pipeline["domain_intents"] = {
                domain: {"model": second.name} if isinstance(second, ModelSpec) else {"intent": second}
                for domain, second in (self.domain_intents or {}).items()}
        if self.slots is not None:
            pipeline["slots"] = self.slots
        if self.slot_values:
            pipeline["slot_values"] = {slot: how.to_dict() for slot, how in self.slot_values.items()}
        return pipeline


def nlu_metadata(models: Mapping[str, ModelSpec], pipeline: PipelineSpec, options: dict,
                 provenance: Optional[dict] = None) -> dict:
    """The metadata dict of an NLU model file (the packer's side of the schema)."""
    return {"models": {name: spec.to_dict() for name, spec in models.items()}, "pipeline": pipeline.to_dict(),
            "provenance": dict(provenance or {}), "options": dict(options)}


def read_models(meta: dict, sections: Mapping[str, Section]) -> Dict[str, ModelSpec]:
    """The checked "models" entry (none in a bare container): every model's type, labels, scale
    and sections."""
    models = _get(meta, "models", dict, "metadata", default={})
    return {name: _model(name, spec, sections) for name, spec in _items(models, "models")}


def read_nlu_metadata(meta: dict, sections: Mapping[str, Section]):
    """(models, pipeline) of an NLU model file, every key and reference checked."""
    models = read_models(meta, sections)
    pipeline = _get(meta, "pipeline", dict, "metadata")
    where = "pipeline"
    features = _features(_get(pipeline, "features", dict, where))
    threshold = pipeline.get("oos_threshold")
    if threshold is not None and not (_is_number(threshold) and 0.0 <= threshold <= 1.0):
        raise CorruptModelError(f"{where}.oos_threshold must be null or a number in [0, 1], not {threshold!r}")

    def model(key: str, value, kind: str) -> ModelSpec:
        if not isinstance(value, str) or value not in models:
            raise CorruptModelError(f"{key} names no model of the file: {value!r}")
        if models[value].type != kind:
            raise CorruptModelError(f"{key}: model {value!r} is a {models[value].type}, not a {kind}")
        return models[value]

    slots = pipeline.get("slots")
    slots = None if slots is None else model(f"{where}.slots", slots, "crf").name
    slot_values = _slot_values(_get(pipeline, "slot_values", dict, where, default={}), sections)
    if "domain" in pipeline:
        domain = model(f"{where}.domain", pipeline["domain"], "classifier")
        second = _get(pipeline, "domain_intents", dict, where)
        if sorted(second) != sorted(domain.labels):
            raise CorruptModelError(f"{where}.domain_intents must have one entry per label of model "
                                    f"{domain.name!r}")
        domain_intents = {}
        for name, entry in second.items():
            key = f"{where}.domain_intents.{name}"
            if not isinstance(entry, dict) or len(entry) != 1 or not {"intent", "model"} & set(entry):
                raise CorruptModelError(f"{key} must be {{\"intent\": label}} or {{\"model\": name}}")
            if "model" in entry:
                domain_intents[name] = model(f"{key}.model", entry["model"], "classifier")
            else:
                domain_intents[name] = _string(entry["intent"], f"{key}.intent")
        spec = PipelineSpec(features, threshold, domain=domain.name, domain_intents=domain_intents, slots=slots,
                            slot_values=slot_values)
    else:
        intent = model(f"{where}.intent", pipeline.get("intent"), "classifier")
        intent_domains = _get(pipeline, "intent_domains", dict, where, default={})
        for label, domain in intent_domains.items():
            _string(domain, f"{where}.intent_domains.{label}")
        spec = PipelineSpec(features, threshold, intent=intent.name, intent_domains=intent_domains, slots=slots,
                            slot_values=slot_values)
    return models, spec


def _slot_values(entries: dict, sections: Mapping[str, Section]) -> Dict[str, SlotResolution]:
    resolutions = {}
    for slot, how in entries.items():
        where = f"pipeline.slot_values.{slot}"
        if not isinstance(how, dict):
            raise CorruptModelError(f"{where} must be an object")
        if set(how) == {"kind"}:
            from .entities import KINDS as ENTITY_KINDS  # only for models that bind built-in kinds

            if how["kind"] not in ENTITY_KINDS:
                raise CorruptModelError(f"{where}.kind must be one of {', '.join(ENTITY_KINDS)}, not {how['kind']!r}")
            resolutions[slot] = SlotResolution(kind=how["kind"])
        elif set(how) == {"list", "table"}:
            resolutions[slot] = SlotResolution(list=_string(how["list"], f"{where}.list"),
                                               table=_section(how, "table", (KIND_VALUES,), sections, where))
        else:
            raise CorruptModelError(f"{where} must be {{\"kind\": kind}} or {{\"list\": name, \"table\": section}}")
    return resolutions


def _model(name: str, spec, sections: Mapping[str, Section]) -> ModelSpec:
    where = f"models.{name}"
    if not isinstance(spec, dict):
        raise CorruptModelError(f"{where} must be an object")
    kind = _get(spec, "type", str, where)
    if kind not in MODEL_TYPES:
        raise CorruptModelError(f"{where}.type must be one of {', '.join(MODEL_TYPES)}, not {kind!r}")
    table = _section(spec, "table", (KIND_TABLE,), sections, where)
    labels = _get(spec, "labels", list, where)
    if not labels or not all(map(isinstance, labels, repeat(str))) or len(set(labels)) != len(labels):
        raise CorruptModelError(f"{where}.labels must be a non-empty list of distinct strings")
    scale = spec.get("scale")
    if not (_is_number(scale) and scale > 0):
        raise CorruptModelError(f"{where}.scale must be a positive finite number, not {scale!r}")
    transitions = _section(spec, "transitions", TRANSITION_KINDS, sections, where) if kind == "crf" else None
    temperature = spec.get("temperature", 1.0)
    if not (_is_number(temperature) and temperature > 0):
        raise CorruptModelError(f"{where}.temperature must be a positive finite number, not {temperature!r}")
    return ModelSpec(name, kind, table, list(labels), float(scale), transitions, float(temperature))


def _section(spec: dict, key: str, kinds, sections: Mapping[str, Section], where: str) -> str:
    name = _get(spec, key, str, where)
    if name not in sections or sections[name].kind not in kinds:
        raise CorruptModelError(f"{where}.{key} names no section of the right kind: {name!r}")
    return name


def _features(data: dict) -> FeatureConfig:
    """FeatureConfig.from_dict after checking each value's JSON type against the field's default
    (and the C composer's 32-bit fields), so bad types are corruption, not TypeError."""
    defaults = {field.name: field.default for field in fields(FeatureConfig)}
    for key, value in data.items():
        where = f"pipeline.features.{key}"
        default = defaults.get(key)
        if key == "version" or key not in defaults:
            continue  # from_dict reports versions and unknown keys
        if key == "char_ngrams":
            if value is not None and not (isinstance(value, list) and len(value) == 2 and all(map(_is_count, value))):
                raise CorruptModelError(f"{where} must be null or [min, max]")
        elif isinstance(default, bool):
            if not isinstance(value, bool):
                raise CorruptModelError(f"{where} must be true or false")
        elif isinstance(default, tuple):
            if not (isinstance(value, list) and all(map(_is_count, value))):
                raise CorruptModelError(f"{where} must be a list of non-negative integers")
        elif not _is_count(value):
            raise CorruptModelError(f"{where} must be a non-negative integer")
    try:
        return FeatureConfig.from_dict(data)
    except ValueError as error:
        raise CorruptModelError(f"pipeline.features: {error}") from None


def _get(container: dict, key: str, kind, where: str, default=None):
    value = container.get(key, default)
    if not isinstance(value, kind) or isinstance(value, bool) and kind is not bool:
        raise CorruptModelError(f"{where}.{key} must be a {_JSON_NAMES[kind]}, not {type(value).__name__}")
    return value


def _items(mapping: dict, where: str):
    for name, value in mapping.items():
        if not name:
            raise CorruptModelError(f"{where} has an empty name")
        yield name, value


def _string(value, where: str) -> str:
    if not isinstance(value, str):
        raise CorruptModelError(f"{where} must be a string, not {type(value).__name__}")
    return value


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _is_count(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= UINT32_MAX


_JSON_NAMES = {dict: "JSON object", list: "JSON list", str: "string", bool: "boolean"}
