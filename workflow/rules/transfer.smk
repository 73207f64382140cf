# One transfer cell per (experiment, theta, gamma, seed): fine-tuning and ridge linear transfer.


rule transfer:
    input:
        tasks=f"{RES}/{{exp}}/tasks/seed{{seed}}.npz",
        pretrain=f"{RES}/{{exp}}/pretrain/seed{{seed}}.npz",
        design=f"{RES}/{{exp}}/design/gamma{{gamma}}_seed{{seed}}.npz",
    output:
        f"{RES}/{{exp}}/cells/theta{{theta}}_gamma{{gamma}}_seed{{seed}}.npz",
    params:
        spec=lambda w: tcfg.cell_spec(EXP[w.exp], float(w.theta), float(w.gamma), int(w.seed)),
    conda:
        "../envs/transferability.yaml"
    log:
        f"{RES}/{{exp}}/logs/cells/theta{{theta}}_gamma{{gamma}}_seed{{seed}}.log",
    benchmark:
        f"{RES}/{{exp}}/benchmarks/cells/theta{{theta}}_gamma{{gamma}}_seed{{seed}}.tsv"
    group:
        "cells"
    resources:
        mem_mb=lambda w, attempt: job_mem_mb(w, 4, attempt),
        runtime=lambda w, attempt: job_runtime_min(w, 1, attempt),
    script:
        "../scripts/job.py"
