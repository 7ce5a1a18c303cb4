"""Request and response schemas of the probing routes (occlusion, ablation, activity flow, feeders)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, StrictInt

from layerwalk.api.schemas import Prediction

Channel = Annotated[StrictInt, Field(ge=0)]


class Block(BaseModel):
    x: StrictInt = Field(description="left edge in input pixels (may lie outside: blocks are clipped)")
    y: StrictInt = Field(description="top edge in input pixels")
    w: StrictInt = Field(ge=1, le=100_000)
    h: StrictInt = Field(ge=1, le=100_000)
    fill: Literal["black", "mean", "blur"] = "black"


class OcclusionRequest(BaseModel):
    blocks: list[Block] = Field(max_length=256, description="every block of the edit, in drawing order; [] "
                                                            "restores the un-edited input")


class ClassChangeOut(BaseModel):
    index: int
    name: str
    before: float
    after: float
    change: float


class OcclusionResponse(BaseModel):
    network: str
    version: int
    source: dict[str, Any]
    blocks: list[Block] = Field(description="the blocks as applied (clipped to the image)")
    classification: list[Prediction]
    changes: list[ClassChangeOut] = Field(description="classes in the top 5 before or after, by probability after")


class SavedItem(BaseModel):
    dataset: str
    index: int
    total: int


class AblationRequest(BaseModel):
    layers: dict[str, list[Channel]] = Field(description="{layer id: channels to switch off}; replaces the "
                                                         "current ablation")


class AblationResponse(BaseModel):
    network: str
    version: int
    layers: dict[str, list[int]]
    classification: list[Prediction]


class FlowRequest(BaseModel):
    layer: str
    channel: Channel
    method: Literal["ablation", "gradient"] = "ablation"
    top: StrictInt = Field(default=8, ge=1, le=256, description="channels listed per later layer")
    scores: bool = Field(default=False, description="also send every channel's score of every later layer")


class ChannelScore(BaseModel):
    channel: int
    score: float


class LayerFlowOut(BaseModel):
    id: str
    strength: float = Field(description="sum of |score| over the layer's channels")
    top: list[ChannelScore]
    scores: list[float] | None = None


class ClassEffectOut(BaseModel):
    index: int
    name: str
    score: float = Field(description="logit with the channel minus without (> 0: the channel supports the class)")
    probability: float
    probability_without: float


class FlowResponse(BaseModel):
    network: str
    version: int
    layer: str
    channel: int
    method: str
    seconds: float
    layers: list[LayerFlowOut]
    supported: list[ClassEffectOut]
    suppressed: list[ClassEffectOut]


class FeederScore(BaseModel):
    layer: str
    channel: int
    score: float


class FeedersResponse(BaseModel):
    network: str
    version: int
    layer: str
    channel: int
    seconds: float
    top: list[FeederScore]
    precursors: dict[str, list[float]] = Field(description="{precursor layer: score of each of its channels}")


class ProbingState(BaseModel):
    """What every client shows: the ablation, the occlusion blocks and the selected channel."""

    network: str
    version: int
    ablation: dict[str, list[int]]
    blocks: list[Block]
    changes: list[ClassChangeOut] = Field(default_factory=list, description="the occlusion edit's top-5 before and "
                                                                             "after per class ([] without an edit)")
    selection: dict[str, Any] | None

