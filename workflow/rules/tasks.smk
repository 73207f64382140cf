# Source tasks per (experiment, seed) and target designs per (experiment, gamma, seed), shared by every theta.


rule tasks:
    output:
        f"{RES}/{{exp}}/tasks/seed{{seed}}.npz",
    params:
        spec=lambda w: tcfg.tasks_spec(EXP[w.exp], int(w.seed)),
    conda:
        "../envs/transferability.yaml"
    log:
        f"{RES}/{{exp}}/logs/tasks/seed{{seed}}.log",
    resources:
        mem_mb=lambda w, attempt: 500 * attempt,
        runtime=lambda w, attempt: 5 * attempt,
    script:
        "../scripts/job.py"


rule design:
    output:
        f"{RES}/{{exp}}/design/gamma{{gamma}}_seed{{seed}}.npz",
    params:
        spec=lambda w: tcfg.design_spec(EXP[w.exp], float(w.gamma), int(w.seed)),
    conda:
        "../envs/transferability.yaml"
    log:
        f"{RES}/{{exp}}/logs/design/gamma{{gamma}}_seed{{seed}}.log",
    group:
        "baselines"
    resources:
        mem_mb=lambda w, attempt: job_mem_mb(w, 3, attempt),
        runtime=lambda w, attempt: 10 * attempt,
    script:
        "../scripts/job.py"
