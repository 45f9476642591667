package io.latentserve.trainer.core;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.latentserve.bundle.ManifestJson;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Jobs and their checkpoints on disk, one folder per job: {@code <root>/<jobId>/job.json} (the
 * spec, state and progress counters, and the published manifest) and {@code checkpoint.bin} (the
 * latest {@link Checkpoint}), and the sweeps in {@code <root>/sweeps/<sweepId>.json}. Every file is
 * replaced atomically (written beside, then renamed), so a process killed at any point leaves the
 * previous version or the new one.
 */
public final class FileJobStore {
  static final String JOB_FILE = "job.json";
  static final String CHECKPOINT_FILE = "checkpoint.bin";
  static final String INTERRUPTIONS_FILE = "interruptions";

  /** The folder of sweep files; it has no job file, so {@link #loadAll()} passes over it. */
  static final String SWEEPS_DIR = "sweeps";

  private static final Logger log = LoggerFactory.getLogger(FileJobStore.class);
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final Pattern JOB_ID = Pattern.compile("[a-z0-9][a-z0-9-]{0,63}");
  private static final int CHECKPOINT_MAGIC = 0x4C53434B; // "LSCK"
  private static final int CHECKPOINT_VERSION = 1;

  private final Path root;

  public FileJobStore(Path root) {
    this.root = root;
  }

  public Path root() {
    return root;
  }

  /** Whether {@code id} can name a job folder. */
  public static boolean isValidId(String id) {
    return id != null && JOB_ID.matcher(id).matches();
  }

  /** Every readable job, oldest first; unreadable folders are logged and skipped. */
  public List<Job> loadAll() {
    List<Job> jobs = new ArrayList<>();
    if (!Files.isDirectory(root)) {
      return jobs;
    }
    try (DirectoryStream<Path> dirs = Files.newDirectoryStream(root, Files::isDirectory)) {
      for (Path dir : dirs) {
        Path file = dir.resolve(JOB_FILE);
        if (!isValidId(dir.getFileName().toString()) || !Files.isRegularFile(file)) {
          continue;
        }
        try {
          jobs.add(read(Files.readString(file)));
        } catch (IOException | RuntimeException e) {
          log.warn("skipping unreadable job file {}: {}", file, e.toString());
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list jobs in " + root, e);
    }
    jobs.sort(Comparator.comparing(Job::created).thenComparing(Job::id));
    return jobs;
  }

  /**
   * Every readable sweep in {@code <root>/sweeps/<sweepId>.json}, oldest first; unreadable files
   * are logged and skipped.
   */
  public List<Sweep> loadSweeps() {
    List<Sweep> sweeps = new ArrayList<>();
    Path dir = root.resolve(SWEEPS_DIR);
    if (!Files.isDirectory(dir)) {
      return sweeps;
    }
    try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*.json")) {
      for (Path file : files) {
        try {
          sweeps.add(SweepJson.read(Files.readString(file)));
        } catch (IOException | RuntimeException e) {
          log.warn("skipping unreadable sweep file {}: {}", file, e.toString());
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list sweeps in " + dir, e);
    }
    sweeps.sort(Comparator.comparing(Sweep::created).thenComparing(Sweep::id));
    return sweeps;
  }

  /** Writes the sweep's state atomically (its points' jobs are saved as jobs). */
  public void saveSweep(Sweep sweep) {
    if (!isValidId(sweep.id())) {
      throw new IllegalArgumentException("invalid sweep id " + sweep.id());
    }
    writeAtomically(
        root.resolve(SWEEPS_DIR).resolve(sweep.id() + ".json"),
        SweepJson.write(sweep).getBytes(StandardCharsets.UTF_8));
  }

  /** Writes the job's state atomically. */
  public void save(Job job) {
    writeAtomically(
        directory(job.id()).resolve(JOB_FILE), write(job).getBytes(StandardCharsets.UTF_8));
  }

  /** The checkpoints of one job. */
  public CheckpointStore checkpoints(String jobId) {
    Path file = directory(jobId).resolve(CHECKPOINT_FILE);
    return new CheckpointStore() {
      @Override
      public Optional<Checkpoint> load() {
        try (InputStream in = new BufferedInputStream(Files.newInputStream(file))) {
          return Optional.of(readCheckpoint(new DataInputStream(in)));
        } catch (NoSuchFileException e) {
          return Optional.empty();
        } catch (IOException e) {
          throw new UncheckedIOException("cannot read checkpoint " + file, e);
        }
      }

      @Override
      public void save(Checkpoint checkpoint) {
        writeAtomically(file, checkpointBytes(checkpoint));
      }
    };
  }

  /**
   * Counts one more time the process stopped while running the job (it was found RUNNING at a
   * start), in {@code <root>/<jobId>/interruptions}.
   *
   * @return the count, this one included
   */
  public int countInterruption(String jobId) {
    Path file = directory(jobId).resolve(INTERRUPTIONS_FILE);
    int count = 0;
    try {
      count = Integer.parseInt(Files.readString(file).trim());
    } catch (NoSuchFileException e) {
      count = 0;
    } catch (IOException | NumberFormatException e) {
      log.warn("unreadable {}, counting from 0: {}", file, e.toString());
    }
    count++;
    writeAtomically(file, Integer.toString(count).getBytes(StandardCharsets.UTF_8));
    return count;
  }

  /** Removes a job's checkpoint, if any. */
  public void deleteCheckpoint(String jobId) {
    try {
      Files.deleteIfExists(directory(jobId).resolve(CHECKPOINT_FILE));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot delete the checkpoint of job " + jobId, e);
    }
  }

  private Path directory(String jobId) {
    if (!isValidId(jobId)) {
      throw new IllegalArgumentException("invalid job id " + jobId);
    }
    return root.resolve(jobId);
  }

  private static void writeAtomically(Path file, byte[] bytes) {
    try {
      Files.createDirectories(file.getParent());
      Path tmp = file.resolveSibling("." + file.getFileName() + ".tmp");
      try (OutputStream out =
          Files.newOutputStream(
              tmp,
              StandardOpenOption.CREATE,
              StandardOpenOption.TRUNCATE_EXISTING,
              StandardOpenOption.WRITE,
              StandardOpenOption.SYNC)) {
        out.write(bytes);
      }
      try {
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file, e);
    }
  }

  static String write(Job job) {
    ObjectNode root = MAPPER.createObjectNode();
    root.put("id", job.id());
    root.set("spec", TrainingSpecJson.toNode(job.spec()));
    root.put("state", job.state().name().toLowerCase(Locale.ROOT));
    root.put("reason", job.reason());
    root.put("epoch", job.epoch());
    root.put("step", job.step());
    root.put("total_steps", job.totalSteps());
    root.put("created", job.created().toString());
    root.put("updated", job.updated().toString());
    root.put("submitted_by", job.submittedBy());
    if (job.sweep() != null) {
      root.set("sweep", SweepJson.origin(job.sweep()));
    }
    if (job.published() != null) {
      ObjectNode p = root.putObject("published");
      p.put("name", job.published().name());
      p.put("version", job.published().version());
      p.put("manifest_sha256", job.published().manifestSha256());
      p.put("manifest", ManifestJson.write(job.published().manifest()));
    }
    return root.toPrettyString();
  }

  static Job read(String json) throws IOException {
    JsonNode root = MAPPER.readTree(json);
    PublishedModel published = null;
    JsonNode p = root.get("published");
    if (p != null && !p.isNull()) {
      published =
          new PublishedModel(
              p.get("name").textValue(),
              p.get("version").longValue(),
              ManifestJson.read(p.get("manifest").textValue()),
              p.get("manifest_sha256").textValue());
    }
    return new Job(
        root.get("id").textValue(),
        TrainingSpecJson.fromNode(root.get("spec")),
        JobState.valueOf(root.get("state").textValue().toUpperCase(Locale.ROOT)),
        root.get("reason").textValue(),
        root.get("epoch").intValue(),
        root.get("step").longValue(),
        root.get("total_steps").longValue(),
        published,
        null,
        Instant.parse(root.get("created").textValue()),
        Instant.parse(root.get("updated").textValue()),
        root.has("submitted_by") ? root.get("submitted_by").textValue() : "",
        root.hasNonNull("sweep") ? SweepJson.origin(root.get("sweep")) : null);
  }

  static byte[] checkpointBytes(Checkpoint c) {
    java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(new BufferedOutputStream(bytes))) {
      out.writeInt(CHECKPOINT_MAGIC);
      out.writeInt(CHECKPOINT_VERSION);
      out.writeInt(c.epoch());
      out.writeInt(c.stepInEpoch());
      out.writeDouble(c.lossSum());
      out.writeDouble(c.boundSum());
      out.writeLong(c.model().iteration());
      Map<String, float[]> arrays = c.model().arrays();
      out.writeInt(arrays.size());
      for (Map.Entry<String, float[]> e : arrays.entrySet()) {
        out.writeUTF(e.getKey());
        float[] values = e.getValue();
        out.writeInt(values.length);
        ByteBuffer buffer = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        buffer.asFloatBuffer().put(values);
        out.write(buffer.array());
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  static Checkpoint readCheckpoint(DataInputStream in) throws IOException {
    if (in.readInt() != CHECKPOINT_MAGIC || in.readInt() != CHECKPOINT_VERSION) {
      throw new IOException("not a version " + CHECKPOINT_VERSION + " checkpoint");
    }
    int epoch = in.readInt();
    int step = in.readInt();
    double lossSum = in.readDouble();
    double boundSum = in.readDouble();
    long iteration = in.readLong();
    int count = in.readInt();
    Map<String, float[]> arrays = new LinkedHashMap<>();
    for (int i = 0; i < count; i++) {
      String name = in.readUTF();
      int length = in.readInt();
      byte[] raw = new byte[Math.multiplyExact(length, 4)];
      in.readFully(raw);
      float[] values = new float[length];
      ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(values);
      arrays.put(name, values);
    }
    return new Checkpoint(epoch, step, lossSum, boundSum, new OptimizerSnapshot(iteration, arrays));
  }
}
