package io.latentserve.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.latentserve.model.FloatTensor;
import io.latentserve.proto.v1.DataType;
import io.latentserve.proto.v1.Tensor;
import io.latentserve.proto.v1.ValueEncoding;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import org.junit.jupiter.api.Test;

class TensorCodecTest {

  @Test
  void encode_thenDecode_returnsSameValuesAndShape() {
    float[] values = {0f, -1.5f, 3.25f, Float.MIN_VALUE, 1e30f, -0f};
    Tensor wire = TensorCodec.encode(values, 2, 3);

    FloatTensor back = TensorCodec.decode("x", wire);

    assertThat(wire.getDtype()).isEqualTo(DataType.DATA_TYPE_FLOAT32);
    assertThat(wire.getShapeList()).containsExactly(2L, 3L);
    assertThat(back.shape()).containsExactly(2, 3);
    assertThat(back.data()).containsExactly(values);
  }

  @Test
  void encode_float32_writesLittleEndianRowMajor() {
    Tensor wire = TensorCodec.encode(new float[] {1f, 2f}, 1, 2);

    ByteBuffer expected = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
    expected.putFloat(1f).putFloat(2f);
    assertThat(wire.getData().toByteArray()).containsExactly(expected.array());
  }

  @Test
  void decode_float64_narrowsToFloat32() {
    ByteBuffer b = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
    b.putDouble(0.1).putDouble(-2.5);
    Tensor wire =
        Tensor.newBuilder()
            .addAllShape(List.of(1L, 2L))
            .setDtype(DataType.DATA_TYPE_FLOAT64)
            .setData(ByteString.copyFrom(b.array()))
            .build();

    assertThat(TensorCodec.decode("x", wire).data()).containsExactly(0.1f, -2.5f);
  }

  @Test
  void decode_uint8Pixels_dividesBy255() {
    Tensor wire = uint8(ValueEncoding.VALUE_ENCODING_PIXELS_0_255, 0, 255, 51);

    assertThat(TensorCodec.decode("x", wire).data()).containsExactly(0f, 1f, 0.2f);
  }

  @Test
  void decode_uint8UnitInterval_keepsBinarizedValues() {
    Tensor wire = uint8(ValueEncoding.VALUE_ENCODING_UNIT_INTERVAL, 0, 1, 1);

    assertThat(TensorCodec.decode("x", wire).data()).containsExactly(0f, 1f, 1f);
  }

  @Test
  void decode_uint8WithoutEncoding_isRefusedNamingTheField() {
    Tensor wire = uint8(ValueEncoding.VALUE_ENCODING_UNSPECIFIED, 0, 1, 1);

    assertThatThrownBy(() -> TensorCodec.decode("x", wire))
        .isInstanceOf(TensorFormatException.class)
        .hasMessageStartingWith(
            "x.encoding is VALUE_ENCODING_UNSPECIFIED, expected VALUE_ENCODING_PIXELS_0_255")
        .extracting(e -> ((TensorFormatException) e).field())
        .isEqualTo("x");
  }

  @Test
  void decode_uint8UnitIntervalWithPixelValue_namesByteAndPosition() {
    Tensor wire =
        uint8(ValueEncoding.VALUE_ENCODING_UNIT_INTERVAL, 0, 1, 1, 0, 0, (byte) 200).toBuilder()
            .clearShape()
            .addAllShape(List.of(2L, 3L))
            .build();

    assertThatThrownBy(() -> TensorCodec.decode("x", wire))
        .isInstanceOf(TensorFormatException.class)
        .hasMessageStartingWith("x has byte 200 at [1, 2], expected 0 or 1");
  }

  @Test
  void decode_floatWithEncoding_isRefused() {
    Tensor wire =
        TensorCodec.encode(new float[] {0.5f}, 1).toBuilder()
            .setEncoding(ValueEncoding.VALUE_ENCODING_PIXELS_0_255)
            .build();

    assertThatThrownBy(() -> TensorCodec.decode("x", wire))
        .hasMessageStartingWith(
            "x.encoding is VALUE_ENCODING_PIXELS_0_255, expected VALUE_ENCODING_UNSPECIFIED for a"
                + " float32 tensor");
  }

  @Test
  void decode_unknownEncodingNumber_namesTheNumber() {
    Tensor wire =
        uint8(ValueEncoding.VALUE_ENCODING_UNSPECIFIED, 1).toBuilder().setEncodingValue(9).build();

    assertThatThrownBy(() -> TensorCodec.decode("x", wire))
        .hasMessageStartingWith("x.encoding is unknown value 9");
  }

  @Test
  void encodeBinary_roundTripsThroughUnitInterval() {
    FloatTensor x = FloatTensor.of(new float[] {0, 1, 1, 0, 1, 0}, 2, 3);

    Tensor wire = TensorCodec.encodeBinary(x);

    assertThat(wire.getData().size()).isEqualTo(6);
    assertThat(TensorCodec.decode("x", wire).data()).containsExactly(x.data());
    assertThatThrownBy(() -> TensorCodec.encodeBinary(FloatTensor.of(new float[] {0, 0.5f}, 1, 2)))
        .hasMessage("value 0.5 at [0, 1] is neither 0 nor 1");
  }

  private static Tensor uint8(ValueEncoding encoding, int... bytes) {
    byte[] data = new byte[bytes.length];
    for (int i = 0; i < bytes.length; i++) {
      data[i] = (byte) bytes[i];
    }
    return Tensor.newBuilder()
        .addShape(bytes.length)
        .setDtype(DataType.DATA_TYPE_UINT8)
        .setEncoding(encoding)
        .setData(ByteString.copyFrom(data))
        .build();
  }

  @Test
  void decode_wrongByteLength_namesFieldBytesShapeAndNeed() {
    Tensor wire =
        Tensor.newBuilder()
            .addAllShape(List.of(4L, 784L))
            .setDtype(DataType.DATA_TYPE_FLOAT32)
            .setData(ByteString.copyFrom(new byte[3132]))
            .build();

    assertThatThrownBy(() -> TensorCodec.decode("x", wire))
        .isInstanceOf(TensorFormatException.class)
        .hasMessage("x.data has 3132 bytes, shape [4, 784] float32 needs 12544");
  }

  @Test
  void decode_unspecifiedDtype_listsAcceptedDtypes() {
    Tensor wire = Tensor.newBuilder().addShape(1).setData(ByteString.copyFrom(new byte[4])).build();

    assertThatThrownBy(() -> TensorCodec.decode("z[1]", wire))
        .isInstanceOf(TensorFormatException.class)
        .hasMessage(
            "z[1].dtype is DATA_TYPE_UNSPECIFIED, expected DATA_TYPE_FLOAT32, DATA_TYPE_FLOAT64"
                + " or DATA_TYPE_UINT8")
        .extracting(e -> ((TensorFormatException) e).field())
        .isEqualTo("z[1]");
  }

  @Test
  void decode_unknownDtypeNumber_namesTheNumber() {
    Tensor wire = Tensor.newBuilder().addShape(1).setDtypeValue(42).build();

    assertThatThrownBy(() -> TensorCodec.decode("x", wire))
        .hasMessageStartingWith("x.dtype is unknown value 42, expected DATA_TYPE_FLOAT32");
  }

  @Test
  void decode_negativeDimension_namesIndexAndShape() {
    Tensor wire =
        Tensor.newBuilder()
            .addAllShape(List.of(2L, -3L))
            .setDtype(DataType.DATA_TYPE_FLOAT32)
            .build();

    assertThatThrownBy(() -> TensorCodec.decode("x", wire))
        .hasMessage("x.shape[1] is -3, expected >= 0 in shape [2, -3]");
  }

  @Test
  void decode_hugeShape_isRejectedBeforeAllocating() {
    Tensor wire =
        Tensor.newBuilder()
            .addAllShape(List.of(1L << 40, 1L << 40))
            .setDtype(DataType.DATA_TYPE_FLOAT32)
            .build();

    assertThatThrownBy(() -> TensorCodec.decode("x", wire))
        .isInstanceOf(TensorFormatException.class)
        .hasMessageContaining("x has shape [1099511627776, 1099511627776] with too many elements");
  }

  @Test
  void decode_emptyBatch_keepsZeroRows() {
    Tensor wire = TensorCodec.encode(new float[0], 0, 784);

    assertThat(TensorCodec.decode("x", wire).shape()).containsExactly(0, 784);
  }
}
