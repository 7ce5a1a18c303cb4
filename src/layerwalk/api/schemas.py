"""Request and response schemas of the HTTP API (separate from the library's internal objects)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt


class ErrorResponse(BaseModel):
    error: str = Field(description="stable machine-readable code, e.g. not_found, bad_image, invalid_request")
    detail: str = Field(description="what went wrong and what to do")


ERRORS: dict[int | str, dict[str, Any]] = {code: {"model": ErrorResponse} for code in (400, 401, 404, 409, 413, 422)}


# --- networks and graphs -------------------------------------------------------------------------------------
class NetworkInfo(BaseModel):
    id: str
    name: str
    spec: str | None
    input_shape: list[int]
    num_layers: int
    dataset: str | None
    class_names: list[str]
    version: int


class GraphNodeOut(BaseModel):
    id: str
    name: str
    kind: str
    shape: list[int]
    params: int
    module: str | None
    precursors: list[str]
    label: str
    folded: list[str]
    text: str | None
    has_weights: bool


class LayoutNode(BaseModel):
    x: float
    y: float
    z: float
    width: float
    height: float
    stage: int
    lane: int
    grid: tuple[int, int] = Field(description="[cols, rows] of the channel atlas")


class LayoutEdge(BaseModel):
    model_config = ConfigDict(populate_by_name=True)
    from_: str = Field(alias="from")
    to: str
    label: str
    points: list[tuple[float, float]] = Field(description="floor polyline [[x, z], …] at y = 0")


class Bounds(BaseModel):
    min: tuple[float, float, float] = Field(description="[x, y, z] in metres")
    max: tuple[float, float, float] = Field(description="[x, y, z] in metres")


class Layout(BaseModel):
    nodes: dict[str, LayoutNode]
    edges: list[LayoutEdge]
    bounds: Bounds
    origin: tuple[float, float] = Field(description="[x, z] of the input layer on the floor")
    arrangement: Literal["conveyor", "wrap"] = Field(
        description="conveyor: one line of stages along -z (the paper's); "
                    "wrap: that line cut into columns side by side")


class GraphResponse(BaseModel):
    network: str
    nodes: list[GraphNodeOut]
    total_params: int
    detail: str
    method: str
    layout: Layout
    notes: list[str] = Field(description="what of the model the graph leaves out and why (empty: nothing)")


# --- datasets ------------------------------------------------------------------------------------------------
class DatasetInfo(BaseModel):
    id: str
    name: str
    spec: str | None
    size: int
    class_names: list[str]
    channels: int


class DatasetItem(BaseModel):
    index: int
    label: int | None
    class_name: str | None


class DatasetItems(BaseModel):
    total: int
    offset: int
    items: list[DatasetItem]


# --- input and results ---------------------------------------------------------------------------------------
class DatasetSource(BaseModel):
    source: Literal["dataset"]
    dataset: str
    index: StrictInt = Field(ge=0)


class NoiseSource(BaseModel):
    source: Literal["noise"]
    seed: StrictInt = Field(ge=0, le=2**32 - 1)


class FeaturevisSource(BaseModel):
    source: Literal["featurevis"]
    layer: str
    channel: StrictInt = Field(ge=0)


InputRequest = Annotated[DatasetSource | NoiseSource | FeaturevisSource, Field(discriminator="source")]


class Prediction(BaseModel):
    index: int
    name: str
    probability: float


class InputResponse(BaseModel):
    network: str
    version: int
    source: dict[str, Any]
    classification: list[Prediction]


class ClassificationResponse(BaseModel):
    version: int
    predictions: list[Prediction]


class Histogram(BaseModel):
    counts: list[float]
    edges: list[float]


class HistogramsResponse(BaseModel):
    version: int
    activation: Histogram
    weights: Histogram | None


# --- jobs ----------------------------------------------------------------------------------------------------
class ObjectiveTerm(BaseModel):
    """One weighted term of a feature-visualization objective (``layerwalk.featurevis.objectives``)."""

    term: Literal["channel", "neuron", "direction", "class_logit", "diversity", "tv", "l2"]
    weight: float = 1.0
    layer: str | None = Field(default=None, description="layer id (default: the visualized layer)")
    channel: StrictInt | None = Field(default=None, ge=0, description="default: each image's own channel")
    y: StrictInt | None = Field(default=None, ge=0)
    x: StrictInt | None = Field(default=None, ge=0)
    vector: list[float] | None = Field(default=None, min_length=1, max_length=8192)
    constant: float | None = None


class FeaturevisRequest(BaseModel):
    channels: list[Annotated[StrictInt, Field(ge=0)]] | None = Field(default=None, min_length=1, max_length=512)
    steps: StrictInt | None = Field(default=None, ge=1, le=10_000)
    start: Literal["input", "noise"] = Field(
        default="noise", description="paper style: start from seeded noise (default) or from copies of the current "
                                     "input (the paper's two-step procedure); the other styles choose their own")
    style: Literal["paper", "lucid", "convviz"] = Field(
        default="paper", description="paper (default), lucid (Lucid's decorrelated Fourier images) or convviz")
    objective: list[ObjectiveTerm] | None = Field(
        default=None, min_length=1, max_length=16,
        description='weighted sum to maximise, e.g. [{"term":"channel"},{"term":"tv","weight":-0.1}]')


class JobCreated(BaseModel):
    job: str


class TargetInfo(BaseModel):
    index: int
    name: str
    probability: float


class LayerScores(BaseModel):
    id: str
    shape: list[int]
    channel_scores: list[list[float]] = Field(description="per target (order of targets): one score per channel")


class AttributionCost(BaseModel):
    passes: int
    evaluations: int
    seconds: float


class AttributionResultOut(BaseModel):
    network: str
    key: str
    version: int
    method: str
    params: dict[str, Any]
    targets: list[TargetInfo]
    layers: list[LayerScores]
    input_map: bool
    delta: list[float] | None
    cost: AttributionCost
    sanity: dict[str, Any] | None
    cached: bool
    maps: str = Field(description="URL of the maps (add ?target=K&view=channels|layer)")
    input: str = Field(description="URL of the input-level overlay PNG (add ?target=K)")


class FeatureVisJobResult(BaseModel):
    """A finished ``featurevis`` job: where its images are served."""

    network: str
    layer: str
    target: str = Field(description="the node whose channels were maximised (the logits for 'output')")
    channels: list[int]
    grid: tuple[int, int] = Field(description="[cols, rows] of the atlas")
    atlas: str = Field(description="URL of all channels' images on one near-square grid (PNG)")
    images: list[str] = Field(description="URL of each channel's image (PNG), in the order of channels")
    start_objective: list[float]
    final_objective: list[float]
    cached: int = Field(description="how many channels came from the disk cache")
    seconds: float
    style: str = Field(default="paper", description="paper, lucid or convviz")
    start: str = Field(default="noise", description="what the images started from: noise, input or dataset")
    objective: str = Field(default="channel()", description="what was maximised, in the text form")
    dead_channels: list[int] = Field(default_factory=list,
                                     description="convviz: channels no start image moved (candidate dead filters)")


class AnalysisJobResult(BaseModel):
    """A finished ``analysis`` job: where its data, table and chart are served."""

    network: str
    analysis: Literal["stats", "dead", "pca", "tsne", "rf", "focus"]
    layers: list[str]
    data: str = Field(description="URL of the result as JSON")
    csv: str = Field(description="URL of the result as a CSV table")
    chart: str = Field(description="URL of a PNG chart")


# Every job kind's result model (tests/api check that each registered kind has one, so the generated client
# covers it). The last member of ``JobInfo.result`` only keeps a kind that forgot to declare one from failing.
class InfluenceItem(BaseModel):
    """One training image in an influence ranking (positive score = proponent)."""

    index: int
    score: float
    label: int
    class_name: str
    image: str = Field(description="URL of the training image (PNG)")


class InfluenceLayerResult(BaseModel):
    layer: str = Field(description="module path of the conv or linear layer")
    node: str | None = Field(description="graph node showing that layer")
    proponents: list[InfluenceItem]
    opponents: list[InfluenceItem]


class InfluenceJobResult(BaseModel):
    """A finished ``influence`` job: the training images that helped and hurt the input's decision."""

    network: str
    version: int = Field(description="input version the job explained")
    dataset: str
    method: Literal["ekfac", "lissa", "tracin"]
    label: int = Field(description="class whose loss was attributed (the network's prediction)")
    train_size: int
    proponents: list[InfluenceItem]
    opponents: list[InfluenceItem]
    layers: list[InfluenceLayerResult]
    self_influence: list[InfluenceItem] = Field(description="highest self-influence first (mislabeled/atypical)")
    cached: bool
    seconds: float


JOB_RESULTS: dict[str, type[BaseModel]] = {"featurevis": FeatureVisJobResult, "analysis": AnalysisJobResult,
                                           "attribution": AttributionResultOut, "influence": InfluenceJobResult}


class JobInfo(BaseModel):
    id: str
    kind: str
    state: Literal["queued", "running", "done", "failed", "cancelled"]
    progress: float
    eta_seconds: float | None
    message: str
    result: (FeatureVisJobResult | AnalysisJobResult | AttributionResultOut | InfluenceJobResult | dict[str, Any]
             | None) = Field(
        default=None, description="when done: the kind's result (see JOB_RESULTS)")
