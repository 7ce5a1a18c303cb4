"""Global analyses of a network (the ConvViz thesis): receptive fields, channel statistics, dead filters, PCA of
filters, t-SNE of inputs. Every analysis returns plain data (tables) that the HTTP API, the CLI export and the
Python API share."""

from layerwalk.analysis.channel_stats import ChannelStats, LayerChannelStats, channel_stats
from layerwalk.analysis.dead_filters import DeadFilters, FilterHealth, dead_filters
from layerwalk.analysis.filter_pca import FilterPCA, filter_pca
from layerwalk.analysis.focus import FilterFocus, Focus, focus
from layerwalk.analysis.input_embedding import InputEmbedding, input_embedding
from layerwalk.analysis.receptive_field import AxisField, ReceptiveField, ReceptiveFields, receptive_fields

__all__ = ["receptive_fields", "ReceptiveFields", "ReceptiveField", "AxisField", "channel_stats", "ChannelStats",
           "LayerChannelStats", "dead_filters", "DeadFilters", "FilterHealth",
           "filter_pca", "FilterPCA", "input_embedding", "InputEmbedding", "focus", "Focus", "FilterFocus"]
