# Scratch baseline per (experiment, gamma, seed): independent of theta.


rule scratch:
    input:
        tasks=f"{RES}/{{exp}}/tasks/seed{{seed}}.npz",
        design=f"{RES}/{{exp}}/design/gamma{{gamma}}_seed{{seed}}.npz",
    output:
        f"{RES}/{{exp}}/scratch/gamma{{gamma}}_seed{{seed}}.npz",
    params:
        spec=lambda w: tcfg.scratch_spec(EXP[w.exp], float(w.gamma), int(w.seed)),
    log:
        f"{RES}/{{exp}}/logs/scratch/gamma{{gamma}}_seed{{seed}}.log",
    benchmark:
        f"{RES}/{{exp}}/benchmarks/scratch/gamma{{gamma}}_seed{{seed}}.tsv"
    group:
        "cells"
    resources:
        mem_mb=lambda w: 500 + 8 * EXP[w.exp].instances * EXP[w.exp].d * EXP[w.exp].width * 8 // 2**20,
        runtime=60,
    script:
        "../scripts/job.py"
