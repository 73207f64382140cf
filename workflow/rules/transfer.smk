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
    log:
        f"{RES}/{{exp}}/logs/cells/theta{{theta}}_gamma{{gamma}}_seed{{seed}}.log",
    benchmark:
        f"{RES}/{{exp}}/benchmarks/cells/theta{{theta}}_gamma{{gamma}}_seed{{seed}}.tsv"
    group:
        "cells"
    resources:
        mem_mb=lambda w: 500 + 4 * EXP[w.exp].instances * EXP[w.exp].d ** 2 * 8 // 2**20,
        runtime=60,
    script:
        "../scripts/job.py"
