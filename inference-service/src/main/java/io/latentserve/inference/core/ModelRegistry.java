package io.latentserve.inference.core;

import io.latentserve.bundle.Bundle;
import io.latentserve.bundle.FileSystemModelRepository;
import io.latentserve.bundle.ModelVersion;
import io.latentserve.bundle.RepositorySnapshot;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The model versions this replica serves, kept in step with a {@link FileSystemModelRepository}.
 *
 * <p>{@link #refresh()} scans the repository, loads every new complete version, and then swaps the
 * new set of versions in with one volatile write: a request sees either the old set or the new one,
 * never a half-loaded model. Removed versions leave the set at the same moment but are closed only
 * when the last {@link ModelLease} on them is released, so calls in flight finish on the version
 * they started with. {@link #start(Duration)} runs the first refresh and then one every interval on
 * a background thread. Version 0 ("latest") resolves to the highest loaded version.
 *
 * <p>A version that fails to load is remembered with its reason (requests for it get
 * FAILED_PRECONDITION) and retried only when it is published again.
 */
public final class ModelRegistry implements ModelCatalog, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ModelRegistry.class);

  private final FileSystemModelRepository repository;
  private final ModelLoader loader;
  private final Consumer<List<ServedModel>> onChange;
  private final Object refreshLock = new Object();
  private final AtomicBoolean closed = new AtomicBoolean();
  private volatile State state = State.NOT_READY;
  private volatile ScheduledExecutorService poller;
  // Guarded by refreshLock.
  private RepositorySnapshot snapshot = RepositorySnapshot.empty();

  /**
   * @param repository where the bundles are
   * @param loader turns a bundle into a served model
   * @param onChange told the loaded versions after every change (metrics); called on the refresh
   *     thread, must not throw
   */
  public ModelRegistry(
      FileSystemModelRepository repository,
      ModelLoader loader,
      Consumer<List<ServedModel>> onChange) {
    this.repository = Objects.requireNonNull(repository, "repository");
    this.loader = Objects.requireNonNull(loader, "loader");
    this.onChange = Objects.requireNonNull(onChange, "onChange");
  }

  /**
   * Loads the repository on a background thread, then rescans it every {@code interval}. Returns at
   * once; {@link #isReady()} turns true when the first load completes.
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

  /** Whether the first load of the repository has completed (whatever versions it found). */
  public boolean isReady() {
    return state.ready;
  }

  /**
   * Scans the repository once and applies what changed: loads added versions, swaps them in,
   * retires removed ones. The first call also marks the registry ready.
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
      State old = state;
      if (diff.isEmpty() && old.ready) {
        snapshot = current;
        return;
      }
      Map<String, NavigableMap<Long, Entry>> models = copy(old.models);
      Set<ModelVersion> failed = new TreeSet<>(old.failed);
      List<Entry> retired = new ArrayList<>();
      for (ModelVersion v : diff.removed()) {
        failed.remove(v);
        NavigableMap<Long, Entry> versions = models.get(v.model());
        Entry e = versions == null ? null : versions.remove(v.version());
        if (e != null) {
          retired.add(e);
        }
        if (versions != null && versions.isEmpty()) {
          models.remove(v.model());
        }
      }
      for (ModelVersion v : diff.added()) {
        Entry e = load(v, failed);
        if (e != null) {
          models.computeIfAbsent(v.model(), k -> new TreeMap<>()).put(v.version(), e);
        }
      }
      State next = new State(true, freeze(models), Collections.unmodifiableSet(failed));
      state = next;
      snapshot = current;
      for (Entry e : retired) {
        log.info("unloaded {}; it closes when its in-flight calls finish", e.served.model().id());
        e.release();
      }
      if (!old.ready) {
        log.info("model repository {} loaded: {}", repository.root(), describe(next.models));
      }
      onChange.accept(list(next));
    }
  }

  private void refreshQuietly() {
    try {
      refresh();
    } catch (RuntimeException e) {
      // Keep polling: a repository on a network volume may be unreachable for a while.
      log.warn("scanning model repository {} failed: {}", repository.root(), e.toString());
    }
  }

  private Entry load(ModelVersion v, Set<ModelVersion> failed) {
    long start = System.nanoTime();
    VaeModel model = null;
    try {
      Bundle bundle = repository.open(v.model(), v.version());
      String sha256 = sha256(bundle);
      model = loader.load(bundle);
      Entry e = new Entry(new ServedModel(model, bundle.manifest().provenance(), sha256));
      failed.remove(v);
      log.info(
          "loaded {} on {} in {} ms",
          v,
          model.device(),
          TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
      return e;
    } catch (RuntimeException e) {
      if (model != null) {
        model.close();
      }
      failed.add(v);
      log.error("cannot load {}; it is not served until published again", v, e);
      return null;
    }
  }

  private static String sha256(Bundle bundle) {
    try {
      return bundle.manifestSha256();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public ModelLease acquire(String name, long version) {
    while (true) {
      State s = readyState();
      NavigableMap<Long, Entry> versions = s.models.get(name);
      Entry e;
      if (versions == null) {
        e = null;
      } else {
        e = version == 0 ? versions.lastEntry().getValue() : versions.get(version);
      }
      if (e == null) {
        throw notServed(s, name, version);
      }
      if (e.retain()) {
        return new Lease(e);
      }
      // Retired between reading the state and retaining it: the next state no longer has it.
    }
  }

  private static RuntimeException notServed(State s, String name, long version) {
    NavigableMap<Long, Entry> versions = s.models.get(name);
    String loaded = versions == null ? describe(s.models) : "loaded versions: " + versions.keySet();
    boolean failed =
        s.failed.stream()
            .anyMatch(v -> v.model().equals(name) && (version == 0 || v.version() == version));
    if (failed) {
      return new FailedPreconditionException(
          "model "
              + name
              + (version == 0 ? "" : " version " + version)
              + " is in the repository but failed to load; "
              + loaded);
    }
    if (versions == null) {
      return new ModelNotFoundException("model \"" + name + "\" is not loaded; " + loaded);
    }
    return new ModelNotFoundException(
        "model " + name + " has no version " + version + "; " + loaded);
  }

  @Override
  public List<ServedModel> list() {
    return list(readyState());
  }

  @Override
  public List<Long> versions(String name) {
    NavigableMap<Long, Entry> versions = readyState().models.get(name);
    return versions == null ? List.of() : List.copyOf(versions.keySet());
  }

  private State readyState() {
    State s = state;
    if (closed.get()) {
      throw new CatalogUnavailableException("the server is shutting down");
    }
    if (!s.ready) {
      throw new CatalogUnavailableException("the model repository is still loading");
    }
    return s;
  }

  private static List<ServedModel> list(State s) {
    List<ServedModel> all = new ArrayList<>();
    s.models.values().forEach(versions -> versions.values().forEach(e -> all.add(e.served)));
    return List.copyOf(all);
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
    synchronized (refreshLock) {
      State old = state;
      state = new State(old.ready, Map.of(), Set.of());
      old.models.values().forEach(versions -> versions.values().forEach(Entry::release));
    }
  }

  private static String describe(Map<String, NavigableMap<Long, Entry>> models) {
    if (models.isEmpty()) {
      return "no models are loaded";
    }
    StringBuilder sb = new StringBuilder("loaded models: ");
    String sep = "";
    for (Map.Entry<String, NavigableMap<Long, Entry>> m : models.entrySet()) {
      sb.append(sep).append(m.getKey()).append(' ').append(m.getValue().keySet());
      sep = ", ";
    }
    return sb.toString();
  }

  private static Map<String, NavigableMap<Long, Entry>> copy(
      Map<String, NavigableMap<Long, Entry>> models) {
    Map<String, NavigableMap<Long, Entry>> copy = new TreeMap<>();
    models.forEach((name, versions) -> copy.put(name, new TreeMap<>(versions)));
    return copy;
  }

  private static Map<String, NavigableMap<Long, Entry>> freeze(
      Map<String, NavigableMap<Long, Entry>> models) {
    Map<String, NavigableMap<Long, Entry>> frozen = new TreeMap<>();
    models.forEach(
        (name, versions) -> frozen.put(name, Collections.unmodifiableNavigableMap(versions)));
    return Collections.unmodifiableMap(frozen);
  }

  /** An immutable view of what is served; replaced as a whole on every change. */
  private record State(
      boolean ready, Map<String, NavigableMap<Long, Entry>> models, Set<ModelVersion> failed) {
    static final State NOT_READY = new State(false, Map.of(), Set.of());
  }

  /**
   * One loaded version with a reference count: 1 for the registry while the version is served, plus
   * 1 per open lease. The model is closed when the count drops to 0.
   */
  private static final class Entry {
    final ServedModel served;
    private final AtomicInteger references = new AtomicInteger(1);

    Entry(ServedModel served) {
      this.served = served;
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
