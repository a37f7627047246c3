// SPDX-License-Identifier: GPL-3.0-or-later
// The registration list: one line per method file, in display order. Each line names a function
// `register<Name>(MethodRegistry&)` defined in methods/<Name>.cpp. Output terms come before the
// family, which is built from every output term registered so far.
// (No include guard: methods/Registry.cpp includes this twice with different definitions.)
OODLENS_METHOD(Gradient)
OODLENS_METHOD(OutputTerms)
OODLENS_METHOD(Gen)
OODLENS_METHOD(FeatureNorms)
OODLENS_METHOD(Family)
OODLENS_METHOD(Mahalanobis)
OODLENS_METHOD(Knn)
OODLENS_METHOD(React)
OODLENS_METHOD(Ash)
OODLENS_METHOD(Scale)
OODLENS_METHOD(Vim)
OODLENS_METHOD(Odin)
