# Source tasks per (experiment, seed) and target designs per (experiment, gamma, seed), shared by every theta.


rule tasks:
    output:
        f"{RES}/{{exp}}/tasks/seed{{seed}}.npz",
    params:
        spec=lambda w: tcfg.tasks_spec(EXP[w.exp], int(w.seed)),
    log:
        f"{RES}/{{exp}}/logs/tasks/seed{{seed}}.log",
    group:
        "cells"
    resources:
        mem_mb=500,
        runtime=5,
    script:
        "../scripts/job.py"


rule design:
    output:
        f"{RES}/{{exp}}/design/gamma{{gamma}}_seed{{seed}}.npz",
    params:
        spec=lambda w: tcfg.design_spec(EXP[w.exp], float(w.gamma), int(w.seed)),
    log:
        f"{RES}/{{exp}}/logs/design/gamma{{gamma}}_seed{{seed}}.log",
    group:
        "cells"
    resources:
        mem_mb=lambda w: 500 + 3 * EXP[w.exp].instances * EXP[w.exp].d ** 2 * 8 // 2**20,
        runtime=10,
    script:
        "../scripts/job.py"
