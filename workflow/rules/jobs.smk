# One rule per job kind of every study (linear_pretrain, relu_fine_tune, ...): path, inputs, spec and resources
# all come from the study, and every rule runs the kind's kernel through transferability.core.runner (a plain
# Python process: no Snakemake import in the job, which is most of a small job's start-up).
# A batched kind (linear fine-tuning: every angle of a gamma row in one process) gets one rule per batch group;
# its files are marked update: Snakemake leaves them in place and the runner remakes only those that are
# missing or made with another spec, so a new angle computes only its own cells.


for _study in STUDIES.values():
    for _kind in _study.kinds.values():
        if _kind.batch:
            continue

        rule:
            name:
                _study.rule_name(_kind.name)
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
            priority: job_priority(_study, _kind.name)
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


for _study in STUDIES.values():
    for _kind in _study.kinds.values():
        if not _kind.batch:
            continue
        for _fixed, _values in _study.batch_groups(_kind.name):

            rule:
                name:
                    _study.rule_name(_kind.name, _fixed)
                input:
                    unpack(job_inputs(_study, _kind.name, _fixed)),
                output:
                    [
                        update(p)
                        for p in _study.batch_outputs(_kind.name, _fixed, _values)
                    ],
                log:
                    fill(_study.pattern(_kind.name, "logs", ".log"), _fixed),
                benchmark:
                    fill(_study.pattern(_kind.name, "benchmarks", ".tsv"), _fixed)
                wildcard_constraints:
                    **_study.wildcard_constraints(),
                priority: job_priority(_study, _kind.name, _fixed)
                group:
                    _kind.group
                conda:
                    "../envs/transferability.yaml"
                resources:
                    mem_mb=job_resource(_study, _kind.name, "mem_mb", _fixed),
                    runtime=job_resource(_study, _kind.name, "runtime", _fixed),
                params:
                    spec=batch_spec(_study, _kind.name, _fixed),
                    kernel=_kind.kernel,
                    inputs=job_input_args,
                    outputs=job_output_args,
                shell:
                    f"{PYTHON} -m transferability.core.runner --kernel {{params.kernel}} --spec {{params.spec:q}}"
                    " --log {log:q} {params.inputs} {params.outputs}"
