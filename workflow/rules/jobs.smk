# One rule per job kind of every study (linear_fine_tune, relu_pretrain, ...): path, inputs, spec and resources
# all come from the study, and every rule runs the same script with the kind's kernel.


def _inputs(study, kind):
    return lambda wildcards: study.input_paths(kind, dict(wildcards.items()))


def _spec(study, kind):
    return lambda wildcards: study.spec(kind, dict(wildcards.items()))


def _resource(study, kind, key):
    return lambda wildcards, attempt: study.resources(kind, dict(wildcards.items()), attempt)[key]


for _study in STUDIES.values():
    for _kind in _study.kinds.values():

        rule:
            name:
                f"{_study.name}_{_kind.name}"
            input:
                unpack(_inputs(_study, _kind.name)),
            output:
                _study.pattern(_kind.name),
            params:
                spec=_spec(_study, _kind.name),
                kernel=_kind.kernel,
            wildcard_constraints:
                **_study.wildcard_constraints(),
            conda:
                "../envs/transferability.yaml"
            log:
                _study.pattern(_kind.name, "logs", ".log"),
            benchmark:
                _study.pattern(_kind.name, "benchmarks", ".tsv")
            group:
                _kind.group
            resources:
                mem_mb=_resource(_study, _kind.name, "mem_mb"),
                runtime=_resource(_study, _kind.name, "runtime"),
            script:
                "../scripts/job.py"
