package dev.iclab.icl.run;

import dev.iclab.data.Example;
import dev.iclab.data.Task;
import dev.iclab.data.Verbalizer;
import dev.iclab.icl.Calibration;
import dev.iclab.icl.Calibrator;
import dev.iclab.icl.Demo;
import dev.iclab.icl.DemoOrder;
import dev.iclab.icl.DemoSelector;
import dev.iclab.icl.IclEvaluator;
import dev.iclab.icl.Order;
import dev.iclab.icl.OrderEntropy;
import dev.iclab.icl.ProbingSet;
import dev.iclab.icl.Prompt;
import dev.iclab.icl.PromptBuilder;
import dev.iclab.icl.Scoring;
import dev.iclab.lm.LanguageModel;
import dev.iclab.lm.arch.CausalLM;
import dev.iclab.lm.cache.CachedPrefix;
import dev.iclab.lm.score.ContinuationScore;
import dev.iclab.lm.score.Scorer;
import dev.iclab.lm.tokenizer.Tokenizer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntConsumer;

/**
 * Evaluates a plan's groups on its queries and appends one sample line per query and setting (group
 * x scoring x calibrate) to samples.jsonl, skipping the samples already there.
 *
 * <p>When the demonstrations are shared by every query of a group (random, balanced or fixed
 * selection in given, random or permuted order), their KV cache is computed once per group and
 * reused for every query (queries that had to drop demonstrations to fit share the shorter prefix
 * of as many demonstrations), and {@code batchSize} queries at a time are packed into one forward
 * over it (zero-shot queries too); queries with demonstrations of their own (kNN, BM25) go {@code
 * batchSize} at a time in left-padded batches of similar length. GlobalE/LocalE groups first rank
 * their candidate orders on a probing set sampled from the model, then run the best four as
 * permutation groups (their lines carry the order's statistic).
 */
public final class ExperimentRunner {
  private final ExperimentPlan plan;
  private final Task task;
  private final IclEvaluator evaluator;
  private final CausalLM model;
  private final Tokenizer tokenizer;
  private final PromptBuilder builder;
  private final List<Scoring> scorings;
  private final QueryFit fit;
  private final GroupDemos groupDemos;
  private final SampleLines lines;

  /**
   * Prepares a run; the queries whose prompt cannot fit the context window even without
   * demonstrations are left out here, before anything is written (see {@link QueryFit}).
   *
   * @throws dev.iclab.IclabException when more than half of the queries do not fit
   */
  public ExperimentRunner(ExperimentPlan plan, LanguageModel lm) {
    this(plan, lm, null, 0);
  }

  /**
   * With an adapter that puts {@code virtualTokens} before every input through {@code passOptions}
   * (prompt or prefix tuning): every prompt is then scored whole, with the virtual tokens first,
   * and they count against the context window.
   */
  public ExperimentRunner(
      ExperimentPlan plan, LanguageModel lm, Scorer.PassOptions passOptions, int virtualTokens) {
    this.task = plan.task();
    Verbalizer.of(
        task.name(), task.labelWords(), task.template().answerPrefix(), lm.requireTokenizer());
    this.evaluator = new IclEvaluator(lm.model(), lm.requireTokenizer(), passOptions);
    this.model = lm.model();
    this.tokenizer = lm.requireTokenizer();
    int contextLength = lm.model().config().contextLength() - virtualTokens;
    this.builder = new PromptBuilder(task, lm.requireTokenizer(), contextLength);
    this.fit = QueryFit.of(plan, builder, contextLength);
    this.plan = fit.plan();
    this.scorings = plan.config().scoring().stream().map(Scoring::parse).toList();
    this.groupDemos = new GroupDemos(this.plan);
    this.lines = new SampleLines(task, scorings, plan.config().calibrate());
  }

  /** The queries left out for their length, and the plan that is run without them. */
  public QueryFit fit() {
    return fit;
  }

  /** Number of (group, query) evaluations in the plan. */
  public long totalQueries() {
    long groups = 0;
    for (ExperimentPlan.Group g : plan.groups()) {
      boolean entropy = g.order().ranksByEntropy();
      groups += entropy ? Math.min(DemoOrder.ENTROPY_KEPT, factorial(g.shots())) : 1;
    }
    return groups * plan.queries().size();
  }

  /** k!, or any value past {@link DemoOrder#ENTROPY_KEPT} once it is reached (no overflow). */
  private static long factorial(int k) {
    long f = 1;
    for (int i = 2; i <= k && f < DemoOrder.ENTROPY_KEPT; i++) {
      f *= i;
    }
    return f;
  }

  /**
   * Runs every group, appending to {@code samples}.
   *
   * @param progress called with the number of queries finished (or skipped as done) each time
   */
  public void run(SamplesFile samples, IntConsumer progress) {
    for (ExperimentPlan.Group group : plan.groups()) {
      if (group.order().ranksByEntropy()) {
        runEntropyOrders(group, samples, progress);
      } else {
        runGroup(group, samples, progress, Double.NaN);
      }
    }
  }

  /**
   * Lu et al.: rank the candidate orders of the group's demonstrations by GlobalE or LocalE on a
   * probing set sampled from the model, then evaluate the best {@link DemoOrder#ENTROPY_KEPT}.
   */
  private void runEntropyOrders(
      ExperimentPlan.Group group, SamplesFile samples, IntConsumer progress) {
    List<Demo> demos = groupDemos.of(group, plan.selectors().get(group.select()), null);
    List<int[]> candidates = DemoOrder.entropyCandidates(demos.size(), group.seed());
    List<Prompt> prompts = new ArrayList<>();
    for (int[] p : candidates) {
      prompts.add(
          new Prompt(
              task.instruction(),
              DemoOrder.apply(demos, p),
              plan.queries().get(0),
              task.template(),
              task.labelWords()));
    }
    List<Example> probes = ProbingSet.sample(model, tokenizer, prompts, group.seed());
    int batchSize = plan.config().batchSize();
    double[] statistic = new double[candidates.size()];
    for (int c = 0; c < candidates.size(); c++) {
      List<double[]> distributions = new ArrayList<>();
      try (PrefixCaches prefixes = new PrefixCaches(evaluator)) {
        for (int start = 0; start < probes.size(); start += batchSize) {
          List<Prompt> batch = new ArrayList<>();
          for (Example probe : probes.subList(start, Math.min(probes.size(), start + batchSize))) {
            batch.add(builder.fit(prompts.get(c).withQuery(probe)));
          }
          for (IclEvaluator.Scores scores : prefixes.scoreShared(batch)) {
            distributions.add(Calibrator.softmax(scorings.get(0).scores(scores.candidates())));
          }
        }
      }
      statistic[c] =
          group.order() == Order.GLOBALE
              ? OrderEntropy.globalE(distributions)
              : OrderEntropy.localE(distributions);
    }
    for (int best : OrderEntropy.best(statistic, DemoOrder.ENTROPY_KEPT)) {
      runGroup(group.withPermutation(candidates.get(best)), samples, progress, statistic[best]);
    }
  }

  private void runGroup(
      ExperimentPlan.Group group,
      SamplesFile samples,
      IntConsumer progress,
      double orderStatistic) {
    List<String> settings = lines.settings(group);
    DemoSelector selector = group.shots() == 0 ? null : plan.selectors().get(group.select());
    boolean shared = group.shots() == 0 || (selector.shared() && group.order() != Order.SIMILARITY);
    List<Demo> sharedDemos = shared ? groupDemos.of(group, selector, null) : null;
    Map<List<String>, List<List<ContinuationScore>>> calibrationScores = new HashMap<>();
    // Queries go in fixed slices of the query list, so a resumed run scores each query in the same
    // batch as an uninterrupted run would (same shapes, same floats); done ones are not rewritten.
    int batchSize = plan.config().batchSize();
    List<Example> queries = plan.queries();
    try (PrefixCaches prefixes = new PrefixCaches(evaluator)) {
      for (int start = 0; start < queries.size(); start += batchSize) {
        List<Example> chunk = queries.subList(start, Math.min(queries.size(), start + batchSize));
        if (chunk.stream().allMatch(q -> done(settings, samples, q))) {
          progress.accept(chunk.size());
          continue;
        }
        List<Prompt> prompts = new ArrayList<>();
        for (Example query : chunk) {
          List<Demo> demos = shared ? sharedDemos : groupDemos.of(group, selector, query);
          prompts.add(
              builder.fit(
                  new Prompt(
                      task.instruction(), demos, query, task.template(), task.labelWords())));
        }
        List<IclEvaluator.Scores> chunkScores =
            shared ? prefixes.scoreShared(prompts) : evaluator.scoreSeparately(prompts);
        for (int q = 0; q < chunk.size(); q++) {
          if (!done(settings, samples, chunk.get(q))) {
            Prompt prompt = prompts.get(q);
            CachedPrefix prefix = shared ? prefixes.of(prompt) : null;
            List<List<ContinuationScore>> contentFree = null;
            if (plan.config().calibrate().contains(Calibration.CONTEXTUAL)) {
              contentFree =
                  calibrationScores.computeIfAbsent(
                      demoKey(prompt), k -> contentFreeScores(prompt, prefix));
            }
            samples.append(
                lines.lines(
                    settings,
                    group,
                    prompt,
                    chunkScores.get(q),
                    contentFree,
                    samples,
                    orderStatistic));
          }
          progress.accept(1);
        }
      }
    }
  }

  private static boolean done(List<String> settings, SamplesFile samples, Example query) {
    return settings.stream().allMatch(s -> samples.contains(s, query.id()));
  }

  private static List<String> demoKey(Prompt prompt) {
    List<String> key = new ArrayList<>();
    for (Demo d : prompt.demos()) {
      key.add(d.example().id() + ":" + d.shownLabel() + ":" + d.form());
    }
    return key;
  }

  /**
   * Zhao et al.: the content-free inputs scored with the same demonstrations (on the prefix cache
   * when there is one).
   */
  private List<List<ContinuationScore>> contentFreeScores(Prompt prompt, CachedPrefix prefix) {
    List<Prompt> inputs = new ArrayList<>();
    for (String input : Calibrator.CONTENT_FREE) {
      inputs.add(prompt.withQuery(prompt.query().withAllFields(input)));
    }
    List<IclEvaluator.Scores> scores;
    if (prefix == null) {
      scores = inputs.stream().map(evaluator::scoreNaive).toList();
    } else if (plan.config().batchSize() > 1) {
      scores = evaluator.scoreBatch(prefix, inputs);
    } else {
      scores = inputs.stream().map(p -> evaluator.scoreCached(prefix, p)).toList();
    }
    return scores.stream().map(IclEvaluator.Scores::candidates).toList();
  }
}
