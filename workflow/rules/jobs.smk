# One rule per job kind of every study (linear_fine_tune, relu_pretrain, ...): path, inputs, spec and resources
# all come from the study, and every rule runs the kind's kernel through transferability.core.runner (a plain
# Python process: no Snakemake import in the job, which is most of a small job's start-up).


for _study in STUDIES.values():
    for _kind in _study.kinds.values():

        rule:
            name:
                f"{_study.name}_{_kind.name}"
            input:
                unpack(job_inputs(_study, _kind.name)),
            output:
                _study.pattern(_kind.name),
            log:
                _study.pattern(_kind.name, "logs", ".log"),
            benchmark:
                _study.pattern(_kind.name, "benchmarks", ".tsv")
            wildcard_constraints:
                **_study.wildcard_constraints(),
            group:
                _kind.group
            conda:
                "../envs/transferability.yaml"
            resources:
                mem_mb=job_resource(_study, _kind.name, "mem_mb"),
                runtime=job_resource(_study, _kind.name, "runtime"),
            params:
                spec=job_spec(_study, _kind.name),
                kernel=_kind.kernel,
                inputs=job_input_args,
            shell:
                f"{PYTHON} -m transferability.core.runner --kernel {{params.kernel}} --spec {{params.spec:q}}"
                " --output {output:q} --log {log:q} {params.inputs}"
