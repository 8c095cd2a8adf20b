#include "protocol/milenage.h"

#include "crypto/aes.h"

namespace rcas::protocol {
namespace {

using Block = crypto::SecretArray<16>;

Block Encrypt(Block16View k, const Block& in) {
  crypto::AesBlock out = crypto::AesEncryptBlock(k, in.view());
  Block result(out);
  OPENSSL_cleanse(out.data(), out.size());
  return result;
}

// OutN = E_K(rot(TEMP xor OPc, r) xor c) xor OPc, TS 35.206 §4.1; every r of
// the default set is a whole number of octets, c is one bit in the last octet.
Block Out(Block16View k, Block16View opc, const Block& temp, size_t r_octets, uint8_t c) {
  Block x;
  for (size_t i = 0; i < 16; ++i) {
    const size_t src = (i + r_octets) % 16;
    x[i] = temp[src] ^ opc[src];
  }
  x[15] ^= c;
  Block out = Encrypt(k, x);
  for (size_t i = 0; i < 16; ++i) {
    out[i] ^= opc[i];
  }
  return out;
}

// TEMP = E_K(RAND xor OPc).
Block Temp(Block16View k, Block16View opc, Block16View rand) {
  Block x;
  for (size_t i = 0; i < 16; ++i) {
    x[i] = rand[i] ^ opc[i];
  }
  return Encrypt(k, x);
}

}  // namespace

crypto::SecretArray<16> MilenageOpc(Block16View k, Block16View op) {
  Block op_block(op);
  Block opc = Encrypt(k, op_block);
  for (size_t i = 0; i < 16; ++i) {
    opc[i] ^= op[i];
  }
  return opc;
}

MilenageMacs MilenageF1(Block16View k, Block16View opc, Block16View rand,
                        std::span<const uint8_t, 6> sqn, std::span<const uint8_t, 2> amf) {
  const Block temp = Temp(k, opc, rand);
  // IN1 = SQN || AMF || SQN || AMF; OUT1 = E_K(TEMP xor rot(IN1 xor OPc, r1) xor c1) xor OPc
  // with r1 = 64 bits, c1 = 0.
  Block in1;
  for (size_t i = 0; i < 8; ++i) {
    in1[i] = in1[i + 8] = i < 6 ? sqn[i] : amf[i - 6];
  }
  Block x;
  for (size_t i = 0; i < 16; ++i) {
    const size_t src = (i + 8) % 16;
    x[i] = temp[i] ^ in1[src] ^ opc[src];
  }
  Block out1 = Encrypt(k, x);
  MilenageMacs macs{};
  for (size_t i = 0; i < 8; ++i) {
    macs.mac_a[i] = out1[i] ^ opc[i];
    macs.mac_s[i] = out1[i + 8] ^ opc[i + 8];
  }
  return macs;
}

MilenageVectors MilenageF2345(Block16View k, Block16View opc, Block16View rand) {
  const Block temp = Temp(k, opc, rand);
  MilenageVectors v;
  // Default constants: r2..r5 = 0, 32, 64, 96 bits; c2..c5 = 1, 2, 4, 8.
  const Block out2 = Out(k, opc, temp, 0, 0x01);
  for (size_t i = 0; i < 8; ++i) {
    v.res[i] = out2[i + 8];
  }
  for (size_t i = 0; i < 6; ++i) {
    v.ak[i] = out2[i];
  }
  v.ck = Out(k, opc, temp, 4, 0x02);
  v.ik = Out(k, opc, temp, 8, 0x04);
  const Block out5 = Out(k, opc, temp, 12, 0x08);
  for (size_t i = 0; i < 6; ++i) {
    v.ak_star[i] = out5[i];
  }
  return v;
}

GsmAuth GsmMilenage(Block16View k, Block16View opc, Block16View rand) {
  const MilenageVectors v = MilenageF2345(k, opc, rand);
  GsmAuth auth{};
  for (size_t i = 0; i < kKcLen; ++i) {
    auth.kc[i] = v.ck[i] ^ v.ck[i + 8] ^ v.ik[i] ^ v.ik[i + 8];
  }
  for (size_t i = 0; i < kSresLen; ++i) {
    auth.sres[i] = v.res[i] ^ v.res[i + 4];
  }
  return auth;
}

}  // namespace rcas::protocol
