# Reference outputs of SetMethods 4.0 / QCA 3.25.1 for talentlab's QCA diagnostics tests
# (tests/test_qca_diagnostics_*.py): theory evaluation, SMMR single cases, ESA, CSA/SSR (findRows types 2, 3),
# cluster diagnostics, XY-plot fit. Run from this folder:
#   Rscript make_diagnostics_reference.R   (writes diag_SCHF.csv, diag_SCHLF.csv, diagnostics_reference.json)
suppressPackageStartupMessages({library(QCA); library(SetMethods); library(jsonlite)})
out <- list(versions = list(QCA = as.character(packageVersion("QCA")),
                            SetMethods = as.character(packageVersion("SetMethods")),
                            R = paste(R.version$major, R.version$minor, sep = ".")))
quiet <- function(expr) { r <- NULL; invisible(capture.output(r <- suppressWarnings(expr))); r }
data(SCHF); data(SCHLF)
write.csv(data.frame(case = rownames(SCHF), SCHF, check.names = FALSE), "diag_SCHF.csv", row.names = FALSE)
write.csv(data.frame(case = rownames(SCHLF), SCHLF, check.names = FALSE), "diag_SCHLF.csv", row.names = FALSE)
conds <- c("EMP", "BARGAIN", "UNI", "OCCUP", "STOCK", "MA")

# ---- theory.evaluation (man-page example: SCHF, intermediate solution, theory ~EMP*MA)
sol_yi <- quiet(minimize(SCHF, outcome = "EXPORT", conditions = conds, incl.cut = .9,
                         include = "?", details = TRUE, show.cases = TRUE,
                         dir.exp = c(0, 0, 0, 0, 0, 0)))
TH <- quiet(theory.evaluation(theory = "~EMP*MA", empirics = sol_yi, outcome = "EXPORT", sol = 1))
fit <- TH$fit
cases <- lapply(TH$cases, function(k) if (identical(k$CaseNames, "No cases in this intersection")) character(0) else k$CaseNames)
out$theory_evaluation <- list(
  theory = "~EMP*MA", model = sol_yi$i.sol$C1P1$solution[[1]],
  fit = list(row = rownames(fit), inclS = fit$Cons.Suf, covS = fit$Cov.Suf, PRI = fit$PRI),
  intersections = list(TE = TH$inters$TE, tE = TH$inters$tE, Te = TH$inters$Te, te = TH$inters$te),
  cases = cases)

# ---- smmr, single cases for sufficiency (cases 1, 3, 4, 5) on the theory-evaluation solution
flat <- function(df) { df <- as.data.frame(lapply(df, function(v) if (is.data.frame(v)) v[[1]] else v),
                                          check.names = FALSE); rownames(df) <- NULL; df }
out$smmr <- list(model = sol_yi$i.sol$C1P1$solution[[1]])
for (k in list(c(1, "typical"), c(3, "deviant_consistency"), c(4, "deviant_coverage"), c(5, "irrelevant"))) {
  r <- quiet(smmr(results = sol_yi, outcome = "EXPORT", match = FALSE, cases = as.numeric(k[1])))
  out$smmr[[k[2]]] <- flat(r[[1]]$results)
}
mt <- quiet(smmr(results = sol_yi, outcome = "EXPORT", match = TRUE, cases = 3, max_pairs = 5))
out$smmr$match_typical_deviant_consistency <- lapply(mt, function(m) list(
  term = sub("^Term ", "", m$title), pairs = if (is.data.frame(m$results)) flat(m$results) else list()))
mc <- quiet(smmr(results = sol_yi, outcome = "EXPORT", match = TRUE, cases = 4, max_pairs = 5))
out$smmr$match_deviant_coverage_irrelevant <- flat(mc[[1]]$results)
necblock <- function(r, title) { for (m in r) if (identical(m$title, title))
  return(if (is.data.frame(m$results)) flat(m$results) else list()); stop("no block ", title) }
out$smmr$necessity <- list()
for (nc in c("STOCK", "STOCK+MA")) {
  out$smmr$necessity[[nc]] <- list(
    deviant_consistency = necblock(quiet(smmr(results = sol_yi, outcome = "EXPORT", match = FALSE, cases = 2,
                                              nec.cond = nc, necessity = TRUE)), nc),
    deviant_relevance = necblock(quiet(smmr(results = sol_yi, outcome = "EXPORT", match = FALSE, cases = 3,
                                            nec.cond = nc, necessity = TRUE)), nc))
}

# ---- the same on the negated outcome (parsimonious solution, incl.cut 0.8)
sol_np <- quiet(minimize(SCHF, outcome = "~EXPORT", conditions = conds, incl.cut = .8, include = "?"))
THn <- quiet(theory.evaluation(theory = "EMP*~STOCK", empirics = sol_np, outcome = "~EXPORT", sol = 1))
out$theory_evaluation_negated <- list(theory = "EMP*~STOCK", model = sol_np$solution[[1]],
  fit = list(row = rownames(THn$fit), inclS = THn$fit$Cons.Suf, covS = THn$fit$Cov.Suf, PRI = THn$fit$PRI),
  typical = flat(quiet(smmr(results = sol_np, outcome = "~EXPORT", match = FALSE, cases = 1))[[1]]$results))

# ---- esa (man-page example) and findRows types 2 and 3 on SCHF
TT_y <- quiet(truthTable(SCHF, outcome = "EXPORT", conditions = conds, incl.cut = .9,
                         complete = TRUE, PRI = TRUE, sort.by = c("out", "incl", "n")))
newtt <- esa(oldtt = TT_y, nec_cond = c("STOCK+MA", "EMP"), untenable_LR = "BARGAIN*~OCCUP",
             contrad_rows = c("19", "14", "46", "51"))
ord <- order(as.numeric(rownames(newtt$tt)))
pars <- quiet(minimize(newtt, include = "?"))
pars0 <- quiet(minimize(TT_y, include = "?"))
out$esa <- list(nec_cond = c("STOCK+MA", "EMP"), untenable_LR = "BARGAIN*~OCCUP",
                contrad_rows = c(19, 14, 46, 51),
                before = as.character(TT_y$tt$OUT[order(as.numeric(rownames(TT_y$tt)))]),
                after = as.character(newtt$tt$OUT[ord]),
                parsimonious_before = pars0$solution, parsimonious_after = pars$solution)
for (dat in list(list(name = "SCHF", d = SCHF, incl = .9))) {
  tt <- quiet(truthTable(dat$d, outcome = "EXPORT", conditions = conds, incl.cut = dat$incl))
  out$findrows_SCHF <- list(incl_cut = dat$incl,
                            csa = quiet(findRows(obj = tt, type = 2)),
                            ssr = quiet(findRows(obj = tt, type = 3)))
}
data(LF)
ttlf <- quiet(truthTable(LF, outcome = "SURV", incl.cut = .8))
out$findrows_LF <- list(incl_cut = .8, csa = quiet(findRows(obj = ttlf, type = 2)),
                        ssr = quiet(findRows(obj = ttlf, type = 3)))
write.csv(data.frame(case = rownames(LF), lapply(LF, function(v) as.numeric(unclass(v))), check.names = FALSE), "diag_LF.csv", row.names = FALSE)

# ---- cluster (man-page examples on SCHLF)
cl <- function(r) list(pooled = r$POCOS, between = as.numeric(r$BECOS), dBP = r$dBP,
                       within = as.numeric(r$WICONS), dWP = r$dWP,
                       cov_pooled = r$Coverages$pooled, cov_between = as.numeric(r$Coverages$between),
                       cov_within = as.numeric(r$Coverages$within))
out$cluster <- list(
  clusters = sort(unique(as.character(SCHLF$YEAR))), units = sort(unique(as.character(SCHLF$COUNTRY))),
  suff = c(list(expression = "EMP*~MA*STOCK", outcome = "EXPORT", necessity = FALSE),
           cl(cluster(SCHLF, "EMP*~MA*STOCK", "EXPORT", unit_id = "COUNTRY", cluster_id = "YEAR"))),
  suff_neg = c(list(expression = "EMP*MA + ~STOCK", outcome = "~EXPORT", necessity = FALSE),
               cl(cluster(SCHLF, "EMP*MA + ~STOCK", "~EXPORT", unit_id = "COUNTRY", cluster_id = "YEAR"))),
  nec = c(list(expression = "EMP", outcome = "EXPORT", necessity = TRUE),
          cl(cluster(SCHLF, results = "EMP", outcome = "EXPORT", unit_id = "COUNTRY",
                     cluster_id = "YEAR", necessity = TRUE))),
  nec_neg = c(list(expression = "~EMP", outcome = "EXPORT", necessity = TRUE),
              cl(cluster(SCHLF, results = "~EMP", outcome = "EXPORT", unit_id = "COUNTRY",
                         cluster_id = "YEAR", necessity = TRUE))))
sol_l <- quiet(minimize(SCHLF, outcome = "EXPORT", conditions = conds, incl.cut = .9, include = "?",
                        details = TRUE, show.cases = TRUE, dir.exp = c(0, 0, 0, 0, 0, 0)))
cm <- cluster(SCHLF, sol_l, "EXPORT", unit_id = "COUNTRY", cluster_id = "YEAR", sol = 1)
out$cluster$solution <- list(model = sol_l$i.sol$C1P1$solution[[1]], terms = names(cm$output),
                             values = lapply(cm$output, cl))

# ---- xy.plot fit label (man-page example and the sufficiency counterpart)
lab <- function(...) { p <- xy.plot(...); p$labels$subtitle }
out$xy <- list(nec = lab("EMP", "EXPORT", data = SCHF, necessity = TRUE),
               suff = lab("~EMP", "EXPORT", data = SCHF, necessity = FALSE),
               suffH = lab("EMP", "~EXPORT", data = SCHF, necessity = FALSE, consH = TRUE))
writeLines(toJSON(out, auto_unbox = TRUE, digits = NA, pretty = TRUE), "diagnostics_reference.json")
