package io.latentserve.inference.core;

import io.latentserve.bundle.Bundle;
import io.latentserve.bundle.FileSystemModelRepository;
import io.latentserve.bundle.GraphRole;
import io.latentserve.bundle.ModelVersion;
import io.latentserve.bundle.RepositorySnapshot;
import io.latentserve.inference.core.RegistryListener.LoadTrigger;
import io.latentserve.inference.core.RegistryListener.UnloadReason;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The model versions this replica serves, kept in step with a {@link FileSystemModelRepository}.
 *
 * <p>Each model serves the versions its {@link VersionPolicy} selects among its complete versions
 * that have not failed to load (the policy comes from the {@value VersionPolicy#FILE_NAME} file in
 * the model's folder, else from {@link RegistryConfig#defaultPolicy()}). A served version is
 * loaded, loading, or available: an available one loads on its first request, which waits for it.
 * Versions that leave the policy, the repository or (least recently used first) the memory budget
 * leave memory at once but close only when the last {@link ModelLease} on them is released, so
 * calls in flight finish on the version they started with.
 *
 * <p>{@link #refresh()} scans the repository, reads every new version's manifest, loads the newly
 * served versions it may load at once (all of them without a memory budget; with one, those that
 * replace a loaded version of the same model) and only then makes them visible: a new version
 * replaces an old one without a gap. {@link #start(Duration)} runs the first refresh and then one
 * every interval on a background thread. Version 0 ("latest") resolves to the highest served
 * version.
 *
 * <p>Loads run one at a time on one thread, so that the growth of the process's resident memory
 * across a load measures that model: a version is accounted at that growth, or at the size of its
 * graph files where the growth reads lower (memory freed by an earlier unload and reused).
 */
public final class ModelRegistry implements ModelCatalog, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ModelRegistry.class);

  private final FileSystemModelRepository repository;
  private final ModelLoader loader;
  private final RegistryConfig config;
  private final MemoryProbe memory;
  private final RegistryListener listener;
  private final Consumer<List<ServedModel>> onChange;
  private final Object refreshLock = new Object();
  private final Object lock = new Object();
  private final Object reportLock = new Object();
  private final AtomicLong clock = new AtomicLong();
  private final AtomicBoolean closed = new AtomicBoolean();
  private final ExecutorService loads =
      Executors.newSingleThreadExecutor(
          r -> {
            Thread t = new Thread(r, "model-loader");
            t.setDaemon(true);
            return t;
          });
  private volatile boolean ready;
  private volatile ScheduledExecutorService poller;
  // Guarded by lock.
  private final Map<String, Model> models = new TreeMap<>();
  // Guarded by refreshLock.
  private RepositorySnapshot snapshot = RepositorySnapshot.empty();
  // Guarded by reportLock.
  private List<ModelId> lastReported;

  /**
   * A registry that serves the latest version of every model, without a memory budget.
   *
   * @param repository where the bundles are
   * @param loader turns a bundle into a served model
   * @param onChange told the loaded versions after every change (metrics); called on the registry's
   *     threads, must not throw
   */
  public ModelRegistry(
      FileSystemModelRepository repository,
      ModelLoader loader,
      Consumer<List<ServedModel>> onChange) {
    this(repository, loader, RegistryConfig.DEFAULT, () -> 0, RegistryListener.NONE, onChange);
  }

  /**
   * @param repository where the bundles are
   * @param loader turns a bundle into a served model
   * @param config version policy, memory budget, load wait
   * @param memory reads the process's resident memory, to account each load
   * @param listener told every load and unload
   * @param onChange told the loaded versions after every change
   */
  public ModelRegistry(
      FileSystemModelRepository repository,
      ModelLoader loader,
      RegistryConfig config,
      MemoryProbe memory,
      RegistryListener listener,
      Consumer<List<ServedModel>> onChange) {
    this.repository = Objects.requireNonNull(repository, "repository");
    this.loader = Objects.requireNonNull(loader, "loader");
    this.config = Objects.requireNonNull(config, "config");
    this.memory = Objects.requireNonNull(memory, "memory");
    this.listener = Objects.requireNonNull(listener, "listener");
    this.onChange = Objects.requireNonNull(onChange, "onChange");
  }

  /**
   * Loads the repository on a background thread, then rescans it every {@code interval}. Returns at
   * once; {@link #isReady()} turns true when the first scan completes.
   */
  public void start(Duration interval) {
    if (closed.get()) {
      throw new IllegalStateException("registry is closed");
    }
    if (poller != null) {
      throw new IllegalStateException("registry already started");
    }
    ScheduledExecutorService executor =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "model-registry");
              t.setDaemon(true);
              return t;
            });
    poller = executor;
    long millis = Math.max(1, interval.toMillis());
    executor.scheduleWithFixedDelay(this::refreshQuietly, 0, millis, TimeUnit.MILLISECONDS);
  }

  /** Whether the first scan of the repository has completed (whatever versions it found). */
  public boolean isReady() {
    return ready;
  }

  /** The configuration. */
  public RegistryConfig config() {
    return config;
  }

  /**
   * Scans the repository once and applies what changed: new versions, removed versions, version
   * policies. The first call also marks the registry ready.
   *
   * @throws UncheckedIOException if the repository cannot be listed; nothing changes then
   */
  public void refresh() {
    synchronized (refreshLock) {
      if (closed.get()) {
        return;
      }
      RepositorySnapshot current = RepositorySnapshot.scan(repository);
      RepositorySnapshot.Diff diff = current.diff(snapshot);
      Map<String, VersionPolicy> policies = new TreeMap<>();
      for (String name : current.modelNames()) {
        policies.put(name, readPolicy(name));
      }
      Map<ModelVersion, Slot> fresh = new TreeMap<>();
      for (ModelVersion v : diff.added()) {
        fresh.put(v, Slot.read(repository, v));
      }
      List<CompletableFuture<?>> eager = new ArrayList<>();
      synchronized (lock) {
        List<Slot> toLoad = eagerLoads(current, diff, fresh, policies);
        for (Slot s : toLoad) {
          CompletableFuture<?> f = s.loading != null ? s.loading : startLoad(s, LoadTrigger.SCAN);
          eager.add(f);
        }
      }
      for (CompletableFuture<?> f : eager) {
        try {
          f.join();
        } catch (RuntimeException e) {
          // Recorded in the slot as its failure.
        }
      }
      synchronized (lock) {
        if (closed.get()) {
          return;
        }
        // Removed versions and new policies apply only now, together with the new versions: until
        // this moment requests keep the versions they had (a deleted version's model is still in
        // memory), so that a version published and its predecessor deleted swap without a gap.
        for (ModelVersion v : diff.removed()) {
          Model m = models.get(v.model());
          Slot s = m == null ? null : m.slots.remove(v.version());
          if (s != null) {
            s.removed = true;
            retire(s, UnloadReason.REMOVED);
          }
        }
        for (Slot s : fresh.values()) {
          models.computeIfAbsent(s.id.name(), n -> new Model()).slots.put(s.id.version(), s);
        }
        models.keySet().retainAll(policies.keySet());
        for (Map.Entry<String, Model> e : models.entrySet()) {
          e.getValue().policy = policies.get(e.getKey());
          dropOutOfPolicy(e.getValue());
        }
        evictOverBudget(null);
        if (!ready) {
          log.info("model repository {} scanned: {}", repository.root(), describe());
        }
      }
      boolean first = !ready;
      ready = true;
      snapshot = current;
      // Listeners hear of the first scan whatever it found, then of changes only.
      reportChange(first);
    }
  }

  /**
   * The slots the scan loads before it makes them visible: the versions that its changes (new
   * versions, a new policy) make served, all of them without a budget, else those of a model with a
   * loaded version. A version that stays served but is not loaded (unloaded by an operator or by
   * the budget) waits for its next request. Fresh slots are loaded here and installed by the
   * caller; existing ones install themselves.
   */
  private List<Slot> eagerLoads(
      RepositorySnapshot current,
      RepositorySnapshot.Diff diff,
      Map<ModelVersion, Slot> fresh,
      Map<String, VersionPolicy> policies) {
    List<Slot> chosen = new ArrayList<>();
    for (String name : current.modelNames()) {
      Model m = models.get(name);
      Map<Long, Slot> prospective = new TreeMap<>();
      if (m != null) {
        prospective.putAll(m.slots);
      }
      for (ModelVersion v : diff.removed()) {
        if (v.model().equals(name)) {
          prospective.remove(v.version());
        }
      }
      fresh.forEach(
          (v, s) -> {
            if (v.model().equals(name)) {
              prospective.put(v.version(), s);
            }
          });
      boolean warm = m != null && m.slots.values().stream().anyMatch(s -> s.entry != null);
      if (config.memoryBudgetBytes() > 0 && !warm) {
        continue;
      }
      SortedSet<Long> before = m == null ? new java.util.TreeSet<>() : m.served();
      SortedSet<Long> served = policies.get(name).select(candidates(prospective));
      for (long v : served) {
        Slot s = prospective.get(v);
        boolean isFresh = fresh.get(new ModelVersion(name, v)) == s;
        if (s.entry == null && (isFresh || !before.contains(v))) {
          chosen.add(s);
        }
      }
    }
    return chosen;
  }

  private void refreshQuietly() {
    try {
      refresh();
    } catch (RuntimeException e) {
      // Keep polling: a repository on a network volume may be unreachable for a while.
      log.warn("scanning model repository {} failed: {}", repository.root(), e.toString());
    }
  }

  private VersionPolicy readPolicy(String name) {
    Path file = repository.root().resolve(name).resolve(VersionPolicy.FILE_NAME);
    try {
      return VersionPolicy.parse(Files.readString(file, StandardCharsets.UTF_8));
    } catch (NoSuchFileException e) {
      return config.defaultPolicy();
    } catch (IOException | IllegalArgumentException e) {
      // A broken file must not take the model down: serve it as the server's default says.
      log.warn(
          "ignoring the version policy of model {} ({}); using {}",
          name,
          e.getMessage(),
          config.defaultPolicy());
      return config.defaultPolicy();
    }
  }

  /** Starts loading {@code s} on the loader thread. Call with {@link #lock} held. */
  private CompletableFuture<Void> startLoad(Slot s, LoadTrigger trigger) {
    CompletableFuture<Void> f;
    try {
      f = CompletableFuture.runAsync(() -> load(s, trigger), loads);
    } catch (RejectedExecutionException e) {
      throw new CatalogUnavailableException("the server is shutting down");
    }
    s.loading = f;
    return f;
  }

  private void load(Slot s, LoadTrigger trigger) {
    long start = System.nanoTime();
    VaeModel model = null;
    Entry entry = null;
    String failure = null;
    try {
      if (s.bundle == null) {
        throw new IllegalStateException(s.failure);
      }
      long before = memory.residentBytes();
      model = loader.load(s.bundle);
      long grown = memory.residentBytes() - before;
      long bytes = Math.max(grown, graphBytes(s.bundle));
      entry = new Entry(new ServedModel(model, s.bundle.manifest().provenance(), s.sha256), bytes);
      Duration took = Duration.ofNanos(System.nanoTime() - start);
      log.info(
          "loaded {} on {} in {} ms, {} MB ({})",
          s.id,
          model.device(),
          took.toMillis(),
          bytes >> 20,
          trigger);
      listener.onLoaded(s.id, trigger, bytes, took);
    } catch (RuntimeException e) {
      if (model != null) {
        model.close();
      }
      failure = e.getMessage() == null ? e.toString() : e.getMessage();
      log.error("cannot load {}; it is not served until published again", s.id, e);
      listener.onLoadFailed(s.id, trigger);
    }
    synchronized (lock) {
      s.loading = null;
      if (entry == null) {
        s.failure = failure;
        Model m = models.get(s.id.name());
        if (m != null && m.slots.get(s.id.version()) == s) {
          dropOutOfPolicy(m);
        }
      } else if (s.removed || closed.get()) {
        entry.release();
      } else {
        s.entry = entry;
        s.lastUse = clock.incrementAndGet();
        Model m = models.get(s.id.name());
        if (trigger != LoadTrigger.SCAN && m != null && m.slots.get(s.id.version()) == s) {
          // A request's or an operator's load: apply the policy and the budget now. A scan's
          // loads wait for the scan to apply its removals and policies first.
          dropOutOfPolicy(m);
          evictOverBudget(s);
        }
      }
    }
    if (ready) {
      reportChange(false);
    }
  }

  private static long graphBytes(Bundle bundle) {
    long total = 0;
    for (GraphRole role : GraphRole.values()) {
      try {
        total += Files.size(bundle.graphFile(role));
      } catch (IOException e) {
        // Counted as 0: the load itself read the file, so this is a race with a deletion.
      }
    }
    return total;
  }

  /** Unloads the loaded versions of {@code m} that its policy no longer selects. */
  private void dropOutOfPolicy(Model m) {
    SortedSet<Long> served = m.served();
    for (Slot s : m.slots.values()) {
      if (s.entry != null && !served.contains(s.id.version())) {
        retire(s, UnloadReason.POLICY);
      }
    }
  }

  /**
   * While the loaded versions hold more than the budget, unloads the least recently used one that
   * has no call in flight, never {@code keep} (the version just loaded for a waiting request).
   */
  private void evictOverBudget(Slot keep) {
    long budget = config.memoryBudgetBytes();
    if (budget == 0) {
      return;
    }
    long total = accountedBytes();
    while (total > budget) {
      Slot victim = null;
      for (Model m : models.values()) {
        for (Slot s : m.slots.values()) {
          if (s != keep
              && s.entry != null
              && s.entry.idle()
              && (victim == null || s.lastUse < victim.lastUse)) {
            victim = s;
          }
        }
      }
      if (victim == null) {
        log.warn(
            "loaded models hold {} MB, over the budget of {} MB, and every one has calls in"
                + " flight",
            total >> 20,
            budget >> 20);
        return;
      }
      total -= victim.entry.bytes;
      retire(victim, UnloadReason.BUDGET);
    }
  }

  private long accountedBytes() {
    long total = 0;
    for (Model m : models.values()) {
      for (Slot s : m.slots.values()) {
        if (s.entry != null) {
          total += s.entry.bytes;
        }
      }
    }
    return total;
  }

  /** Takes {@code s}'s model out of memory; it closes when its in-flight calls finish. */
  private void retire(Slot s, UnloadReason reason) {
    Entry e = s.entry;
    if (e == null) {
      return;
    }
    s.entry = null;
    log.info("unloaded {} ({}); it closes when its in-flight calls finish", s.id, reason);
    listener.onUnloaded(s.id, reason);
    e.release();
  }

  private void reportChange(boolean always) {
    List<ServedModel> loaded;
    synchronized (lock) {
      loaded = loaded();
    }
    List<ModelId> ids = loaded.stream().map(m -> m.model().id()).toList();
    synchronized (reportLock) {
      if (!always && ids.equals(lastReported)) {
        return;
      }
      lastReported = ids;
    }
    onChange.accept(loaded);
  }

  /**
   * Leases one version, loading it first if it is served but not loaded; waits for the load up to
   * {@link RegistryConfig#loadWait()}.
   */
  @Override
  public ModelLease acquire(String name, long version) {
    return acquire(name, version, config.loadWait());
  }

  /**
   * Leases one version, loading it first if it is served but not loaded.
   *
   * @param wait longest to wait for a load (the request's remaining deadline)
   * @throws LoadTimeoutException if the version is still loading after {@code wait}
   */
  @Override
  public ModelLease acquire(String name, long version, Duration wait) {
    long deadline = System.nanoTime() + wait.toNanos();
    while (true) {
      CompletableFuture<Void> pending;
      ModelId id;
      synchronized (lock) {
        Slot s = resolve(name, version);
        if (s.entry != null && s.entry.retain()) {
          s.lastUse = clock.incrementAndGet();
          return new Lease(s.entry);
        }
        pending = s.loading != null ? s.loading : startLoad(s, LoadTrigger.REQUEST);
        id = s.id;
      }
      await(pending, id, deadline, wait);
    }
  }

  private static void await(
      CompletableFuture<Void> pending, ModelId id, long deadline, Duration wait) {
    long left = deadline - System.nanoTime();
    try {
      pending.get(Math.max(0, left), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      throw new LoadTimeoutException(
          "model "
              + id
              + " is still loading after "
              + wait.toMillis()
              + " ms (the request's deadline); it keeps loading, so a retry finds it loaded");
    } catch (ExecutionException e) {
      // The failure is in the slot now; the next round reports it.
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CatalogUnavailableException("interrupted while model " + id + " was loading");
    }
  }

  /** The slot a request for {@code name}/{@code version} gets. Call with {@link #lock} held. */
  private Slot resolve(String name, long version) {
    checkOpen();
    Model m = models.get(name);
    if (m == null) {
      throw new ModelNotFoundException(
          "model \"" + name + "\" is not in the repository; " + describe());
    }
    SortedSet<Long> served = m.served();
    if (version == 0) {
      if (!served.isEmpty()) {
        return m.slots.get(served.last());
      }
      if (m.slots.values().stream().anyMatch(s -> s.failure != null)) {
        throw new FailedPreconditionException(
            "model " + name + " has no version that loads; " + m.describeFailed());
      }
      throw new ModelNotFoundException(
          "model "
              + name
              + " has versions "
              + m.slots.keySet()
              + " but none is served under its version policy `"
              + m.policy
              + "`; "
              + HOW_TO_CHANGE);
    }
    Slot s = m.slots.get(version);
    if (s == null) {
      throw new ModelNotFoundException(
          "model " + name + " has no version " + version + "; served versions: " + served);
    }
    if (s.failure != null) {
      throw new FailedPreconditionException(
          "model "
              + name
              + " version "
              + version
              + " is in the repository but failed to load; served versions: "
              + served);
    }
    if (!served.contains(version)) {
      throw new ModelNotFoundException(
          "model "
              + name
              + " version "
              + version
              + " exists in the repository but is not served under its version policy `"
              + m.policy
              + "` (served versions: "
              + served
              + "); "
              + HOW_TO_CHANGE);
    }
    return s;
  }

  private static final String HOW_TO_CHANGE =
      "to serve it, write a policy such as `all` or `specific 1 2` into the file "
          + VersionPolicy.FILE_NAME
          + " in the model's folder of the repository, or start the server with"
          + " --version-policy";

  private void checkOpen() {
    if (closed.get()) {
      throw new CatalogUnavailableException("the server is shutting down");
    }
    if (!ready) {
      throw new CatalogUnavailableException("the model repository is still loading");
    }
  }

  /**
   * Loads a served version now (an operator's LoadModel) and returns its status.
   *
   * @throws ModelNotFoundException, FailedPreconditionException, LoadTimeoutException as {@link
   *     #acquire(String, long, Duration)}
   */
  @Override
  public ModelStatus load(String name, long version, Duration wait) {
    ModelId id;
    try (ModelLease lease = acquire(name, version, wait)) {
      id = lease.served().model().id();
    }
    return status(id);
  }

  /**
   * Takes one version out of memory (or every loaded version of the model for version 0); it stays
   * served and loads again on its next request. Calls in flight finish first.
   *
   * @return the versions unloaded, ascending
   * @throws ModelNotFoundException if the model or version is not in the repository
   */
  @Override
  public List<ModelId> unload(String name, long version) {
    List<ModelId> unloaded = new ArrayList<>();
    synchronized (lock) {
      checkOpen();
      Model m = models.get(name);
      if (m == null) {
        throw new ModelNotFoundException(
            "model \"" + name + "\" is not in the repository; " + describe());
      }
      if (version != 0 && !m.slots.containsKey(version)) {
        throw new ModelNotFoundException(
            "model "
                + name
                + " has no version "
                + version
                + "; versions in the repository: "
                + m.slots.keySet());
      }
      for (Slot s : m.slots.values()) {
        if ((version == 0 || s.id.version() == version) && s.entry != null) {
          unloaded.add(s.id);
          retire(s, UnloadReason.OPERATOR);
        }
      }
    }
    reportChange(false);
    return unloaded;
  }

  /** Every served or failed version of every model in the repository, by name then version. */
  @Override
  public List<ModelStatus> statuses() {
    synchronized (lock) {
      checkOpen();
      List<ModelStatus> all = new ArrayList<>();
      for (Model m : models.values()) {
        SortedSet<Long> served = m.served();
        for (Slot s : m.slots.values()) {
          if (served.contains(s.id.version()) || s.failure != null) {
            all.add(s.status());
          }
        }
      }
      return List.copyOf(all);
    }
  }

  private ModelStatus status(ModelId id) {
    synchronized (lock) {
      Model m = models.get(id.name());
      Slot s = m == null ? null : m.slots.get(id.version());
      if (s == null) {
        throw new ModelNotFoundException("model " + id + " left the repository");
      }
      return s.status();
    }
  }

  @Override
  public long memoryBudgetBytes() {
    return config.memoryBudgetBytes();
  }

  @Override
  public long loadedBytes() {
    synchronized (lock) {
      return accountedBytes();
    }
  }

  @Override
  public List<ServedModel> list() {
    synchronized (lock) {
      checkOpen();
      return loaded();
    }
  }

  private List<ServedModel> loaded() {
    List<ServedModel> all = new ArrayList<>();
    for (Model m : models.values()) {
      for (Slot s : m.slots.values()) {
        if (s.entry != null) {
          all.add(s.entry.served);
        }
      }
    }
    return List.copyOf(all);
  }

  @Override
  public List<Long> versions(String name) {
    synchronized (lock) {
      checkOpen();
      Model m = models.get(name);
      if (m == null) {
        return List.of();
      }
      return m.slots.values().stream()
          .filter(s -> s.entry != null)
          .map(s -> s.id.version())
          .toList();
    }
  }

  /**
   * Stops polling and unloads every version; each closes when its last lease is released (at once
   * when none is open). Idempotent.
   */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    ScheduledExecutorService executor = poller;
    if (executor != null) {
      executor.shutdownNow();
    }
    loads.shutdown();
    synchronized (lock) {
      for (Model m : models.values()) {
        for (Slot s : m.slots.values()) {
          s.removed = true;
          Entry e = s.entry;
          s.entry = null;
          if (e != null) {
            e.release();
          }
        }
      }
      models.clear();
    }
  }

  private String describe() {
    if (models.isEmpty()) {
      return "the repository has no models";
    }
    StringBuilder sb = new StringBuilder("served models: ");
    String sep = "";
    for (Map.Entry<String, Model> m : models.entrySet()) {
      sb.append(sep).append(m.getKey()).append(' ').append(m.getValue().served());
      sep = ", ";
    }
    return sb.toString();
  }

  private static List<Long> candidates(Map<Long, Slot> slots) {
    return slots.values().stream().filter(s -> s.failure == null).map(s -> s.id.version()).toList();
  }

  /** One model's versions in the repository and its policy. Guarded by {@link #lock}. */
  private static final class Model {
    final TreeMap<Long, Slot> slots = new TreeMap<>();
    VersionPolicy policy = VersionPolicy.DEFAULT;

    SortedSet<Long> served() {
      return policy.select(candidates(slots));
    }

    String describeFailed() {
      return "versions that failed to load: "
          + slots.values().stream()
              .filter(s -> s.failure != null)
              .map(s -> s.id.version())
              .toList();
    }
  }

  /** One complete version in the repository. Mutable fields are guarded by {@link #lock}. */
  private static final class Slot {
    final ModelId id;
    final Bundle bundle;
    final String sha256;
    Entry entry;
    CompletableFuture<Void> loading;
    String failure;
    long lastUse;
    boolean removed;

    private Slot(ModelId id, Bundle bundle, String sha256, String failure) {
      this.id = id;
      this.bundle = bundle;
      this.sha256 = sha256;
      this.failure = failure;
    }

    /** Reads the version's manifest; a bundle that cannot be read is a failed slot. */
    static Slot read(FileSystemModelRepository repository, ModelVersion v) {
      ModelId id = new ModelId(v.model(), v.version());
      try {
        Bundle bundle = repository.open(v.model(), v.version());
        return new Slot(id, bundle, bundle.manifestSha256(), null);
      } catch (IOException | RuntimeException e) {
        log.error("cannot read {}; it is not served until published again", id, e);
        return new Slot(id, null, "", e.getMessage() == null ? e.toString() : e.getMessage());
      }
    }

    ModelStatus status() {
      ModelState state;
      if (failure != null) {
        state = ModelState.FAILED;
      } else if (entry != null) {
        state = ModelState.LOADED;
      } else if (loading != null) {
        state = ModelState.LOADING;
      } else {
        state = ModelState.AVAILABLE;
      }
      return new ModelStatus(
          id,
          state,
          bundle == null ? null : bundle.manifest().architecture(),
          bundle == null ? null : bundle.manifest().provenance(),
          sha256,
          entry == null ? "" : entry.served.model().device(),
          entry == null ? 0 : entry.bytes,
          failure == null ? "" : failure,
          bundle == null ? null : bundle.manifest().logPartition());
    }
  }

  /**
   * One loaded version with a reference count: 1 for the registry while the version is loaded, plus
   * 1 per open lease. The model is closed when the count drops to 0.
   */
  private static final class Entry {
    final ServedModel served;
    final long bytes;
    private final AtomicInteger references = new AtomicInteger(1);

    Entry(ServedModel served, long bytes) {
      this.served = served;
      this.bytes = bytes;
    }

    /** Adds a reference unless the entry is already closed. */
    boolean retain() {
      while (true) {
        int n = references.get();
        if (n == 0) {
          return false;
        }
        if (references.compareAndSet(n, n + 1)) {
          return true;
        }
      }
    }

    /** Whether only the registry holds it: no call in flight. */
    boolean idle() {
      return references.get() == 1;
    }

    void release() {
      if (references.decrementAndGet() == 0) {
        try {
          served.model().close();
          log.info("closed {}", served.model().id());
        } catch (RuntimeException e) {
          log.warn("closing {} failed", served.model().id(), e);
        }
      }
    }
  }

  private static final class Lease implements ModelLease {
    private final Entry entry;
    private final AtomicBoolean released = new AtomicBoolean();

    Lease(Entry entry) {
      this.entry = entry;
    }

    @Override
    public ServedModel served() {
      return entry.served;
    }

    @Override
    public void close() {
      if (released.compareAndSet(false, true)) {
        entry.release();
      }
    }
  }
}
