"""Bad configuration stops before any work, with a message that names the key at fault."""

import copy

import pytest
import yaml

from transferability.config import ConfigError, studies, validate_config
from transferability.core.canonical import fmt
from transferability.linear.config import experiments

GOOD = {
    "experiments": {
        "a": {"d": 20, "sigma": 0.2, "instances": 3, "theta_deg": [30, 60], "gamma": [0.5, 1.5]},
    }
}


def _with(path, value):
    cfg = copy.deepcopy(GOOD)
    node = cfg
    for key in path[:-1]:
        node = node[key]
    if value is _DELETE:
        del node[path[-1]]
    else:
        node[path[-1]] = value
    return cfg


_DELETE = object()


def test_good_config_gets_defaults():
    cfg = validate_config(GOOD)
    (e,) = experiments(cfg)
    assert (e.width, e.depth, e.seeds, e.ridge, e.init_scale) == (20, 2, (0,), (0.0, 0.1), 1e-5)
    assert e.n_of(0.5) == 10 and cfg["results"] == "results"


@pytest.mark.parametrize(
    "path,value,key",
    [
        (("experiments", "a", "d"), 0, "experiments.a.d"),
        (("experiments", "a", "d"), -5, "experiments.a.d"),
        (("experiments", "a", "gamma"), [0.5, -1.0], "experiments.a.gamma"),
        (("experiments", "a", "gamma"), [0.0], "experiments.a.gamma"),
        (("experiments", "a", "theta_deg"), [30, 200], "experiments.a.theta_deg[1]"),
        (("experiments", "a", "theta_deg"), [-1], "experiments.a.theta_deg[0]"),
        (("experiments", "a", "sigma"), -0.1, "experiments.a.sigma"),
        (("experiments", "a", "sigma"), "abc", "experiments.a.sigma"),
        (("experiments", "a", "sigma"), float("nan"), "experiments.a.sigma"),
        (("experiments", "a", "instances"), 0, "experiments.a.instances"),
        (("experiments", "a", "instances"), 2.5, "experiments.a.instances"),
        (("experiments", "a", "colour"), "red", "experiments.a.colour"),
        (("experiments", "a", "d"), _DELETE, "experiments.a.d"),
        (("experiments", "a", "theta_deg"), [], "experiments.a.theta_deg"),
        (("experiments", "a", "gamma"), [0.5, 0.5], "experiments.a.gamma"),
        (("experiments", "a", "gamma"), [0.5, 0.51], "experiments.a.gamma"),  # same n at d = 20
        (("experiments", "a", "train"), {"tol": 0}, "experiments.a.train.tol"),
        (("experiments", "a", "phase_lambda"), 0.3, "experiments.a.phase_lambda"),
        (("run",), ["nope"], "run[0]"),
        (("bogus",), 1, "bogus"),
    ],
)
def test_bad_values_name_their_key(path, value, key):
    with pytest.raises(ConfigError) as err:
        validate_config(_with(path, value))
    assert f"'{key}'" in str(err.value) or f"'{key}[" in str(err.value)


@pytest.mark.parametrize("name", ["../x", "a/b", ".hidden", ""])
def test_unsafe_experiment_names_are_rejected(name):
    cfg = {"experiments": {name: GOOD["experiments"]["a"]}}
    with pytest.raises(ConfigError, match="safe path component"):
        validate_config(cfg)


def test_config_loading_never_evaluates_code(tmp_path):
    text = "experiments: !!python/object/apply:os.system ['echo pwned']\n"
    with pytest.raises(yaml.YAMLError):
        yaml.safe_load(text)


def test_canonical_number_format():
    assert fmt(0.1 + 0.2) == "0.3" and fmt(90.0) == "90" and fmt(22.5) == "22.5" and fmt(1e-12) == "0"


@pytest.mark.parametrize("path, builds", [
    ("config.yaml", {"sigma0", "sigma0.2", "distances", "relu"}),
    ("config/paper.yaml", {"paper_sigma0", "paper_sigma0.2", "distances"}),
    ("config/extensions.yaml", {"finite_gs0.5", "finite_gs1.5", "tuned", "depth3", "depth4", "width50",
                                *(f"depth{L}_sigma{s}" for L in (2, 3, 4) for s in ("0.5", "1"))}),
    ("benchmarks/w1.yaml", {"w1"}),
    ("config/test.yaml", {"tiny", "distances", "relu"}),
    ("config/relu_zero_mean.yaml", {"relu"}),
    ("config/relu_d40.yaml", {"relu"}),
])
def test_shipped_configs_build_exactly_their_run_list_as_snakemake_merges_them(path, builds):
    """Each file merged over config.yaml builds what its ``run`` names, and nothing of config.yaml's own."""
    from transferability.config import studies
    from transferability.plan import load_merged_config

    st = studies(load_merged_config(path))
    built = set(st["linear"].experiments) if "linear" in st else set()
    built |= {"distances"} if "linear" in st and st["linear"].distances else set()
    built |= {"relu"} if "relu" in st else set()
    assert built == builds


def test_run_selects_studies_and_names_what_it_cannot_find():
    base = {"experiments": {"a": {"d": 10, "sigma": 0.2, "instances": 1, "theta_deg": [30], "gamma": [0.5]}},
            "relu": {}, "distances": {"experiment": "a"}}
    from transferability.config import studies

    assert set(studies(validate_config(base))) == {"linear", "relu"}
    only_relu = studies(validate_config({**base, "run": ["relu"]}))
    assert set(only_relu) == {"relu"}
    only_a = studies(validate_config({**base, "run": ["a"]}))
    assert set(only_a) == {"linear"} and only_a["linear"].distances is None
    with pytest.raises(ConfigError, match=r"'run\[1\]': no experiment named 'b'"):
        validate_config({**base, "run": ["a", "b"]})
    with pytest.raises(ConfigError, match=r"'run\[0\]': 'relu' names the relu block, which is not configured"):
        validate_config({**base, "relu": None, "run": ["relu"]})
    with pytest.raises(ConfigError, match=r"'distances.experiment': 'a' is not in run"):
        validate_config({**base, "run": ["distances", "relu"]})
    with pytest.raises(ConfigError, match=r"'distances.experiment': 'a' has sigma = 0"):
        bad = copy.deepcopy(base)
        bad["experiments"]["a"]["sigma"] = 0.0
        validate_config(bad)


def test_scratch_trains_with_its_own_gradient_weight_and_the_other_procedures_with_grad_weight():
    cfg = validate_config({"experiments": {"a": {"d": 10, "sigma": 0, "instances": 1, "theta_deg": [30],
                                                 "gamma": [0.5], "train": {"grad_weight": 50.0}}}})
    assert cfg["experiments"]["a"]["train"]["scratch_grad_weight"] == 1.0
    study = studies(cfg)["linear"]
    wc = {"exp": "a", "gamma": "0.5", "seed": "0"}
    assert study.spec("scratch", wc)["train"]["grad_weight"] == 1.0
    assert study.spec("fine_tune", {**wc, "theta": "30"})["train"]["grad_weight"] == 50.0
    assert study.spec("pretrain", {"exp": "a", "seed": "0"})["train"]["grad_weight"] == 50.0
