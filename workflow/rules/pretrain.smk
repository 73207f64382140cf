# Pretraining on the infinite source (population loss) per (experiment, seed).


rule pretrain:
    input:
        tasks=f"{RES}/{{exp}}/tasks/seed{{seed}}.npz",
    output:
        f"{RES}/{{exp}}/pretrain/seed{{seed}}.npz",
    params:
        spec=lambda w: tcfg.pretrain_spec(EXP[w.exp], int(w.seed)),
    log:
        f"{RES}/{{exp}}/logs/pretrain/seed{{seed}}.log",
    benchmark:
        f"{RES}/{{exp}}/benchmarks/pretrain/seed{{seed}}.tsv"
    group:
        "cells"
    resources:
        mem_mb=lambda w: 500 + 6 * EXP[w.exp].instances * EXP[w.exp].d * EXP[w.exp].width * 8 // 2**20,
        runtime=30,
    script:
        "../scripts/job.py"
